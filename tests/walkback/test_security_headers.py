import pytest


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get("/accounts/login/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_templates_have_no_inline_scripts_or_styles():
    """The CSP would block them in the browser; catch them before a person does."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "templates"
    offenders = []
    for path in root.rglob("*.html"):
        if "email" in path.parts:
            continue  # e-mail bodies are not pages: mail clients need inline styles
        text = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\sstyle=\"", text):
            offenders.append(str(path.relative_to(root)))
        if re.search(r"\son[a-z]+=\"", text):
            offenders.append(f"{path.relative_to(root)} (inline event handler)")
    assert not offenders
