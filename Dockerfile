# One image for web, worker and beat (docker-compose.yml picks the command).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

RUN useradd --create-home --uid 1000 walkback
COPY pyproject.toml README.md ./
RUN pip install .
COPY . .
# Static files are collected at build time; the secret here only satisfies settings loading.
RUN DJANGO_SECRET_KEY=build-only DJANGO_DEBUG=false python manage.py collectstatic --noinput \
    && chown -R walkback /app
USER walkback

EXPOSE 8000
# Bind, workers and the access log (with tokens taken out of paths) are in the config file.
CMD ["gunicorn", "walkback.wsgi", "--config", "python:walkback.gunicorn_conf"]
