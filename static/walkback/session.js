// The warning before the idle timeout, and "Stay signed in" without leaving the page
// (docs/security.md#sessions-and-drafts). Without this file nothing is lost either: a form sent
// after the timeout is kept on the server and given back after logging in.
(function () {
  "use strict";
  var box = document.getElementById("idle-warning");
  // Words in the page's language (Django's JavaScript catalogue, loaded by base.html first).
  var gettext = window.gettext || function (text) { return text; };
  var ngettext = window.ngettext || function (one, many, n) { return n === 1 ? one : many; };
  var interpolate = window.interpolate || function (text, values) {
    return text.replace(/%\((\w+)\)s/g, function (all, name) { return String(values[name]); });
  };
  // A copy of the page kept for use without signal (docs/offline.md) counts nothing down.
  if (!box || !window.fetch || document.body.classList.contains("saved-copy")) { return; }
  var form = box.querySelector("form");
  var countdown = box.querySelector("[data-countdown]");
  var warnAt = parseInt(box.getAttribute("data-warn-seconds"), 10) || 120;
  var deadline = Date.now() + (parseInt(box.getAttribute("data-seconds-left"), 10) || 0) * 1000;
  var gone = false;

  function say(seconds) {
    if (seconds >= 90) {
      var minutes = Math.round(seconds / 60);
      return interpolate(ngettext("in %(count)s minute", "in %(count)s minutes", minutes),
                         { count: minutes }, true);
    }
    if (seconds > 60) { return gettext("in about a minute"); }
    return gettext("in less than a minute");
  }

  function show(soon) {
    box.querySelectorAll(".idle-soon").forEach(function (el) { el.hidden = !soon; });
    box.querySelector(".idle-gone").hidden = soon;
    box.hidden = false;
    document.body.classList.add("idle-warning-open");
  }

  function hide() {
    box.hidden = true;
    document.body.classList.remove("idle-warning-open");
  }

  function tick() {
    if (gone) { return; }
    var left = Math.round((deadline - Date.now()) / 1000);
    if (left <= 0) {
      gone = true;
      show(false);
    } else if (left <= warnAt) {
      countdown.textContent = say(left);
      if (box.hidden) { show(true); }
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "Accept": "application/json" },
      credentials: "same-origin",
      redirect: "manual"
    }).then(function (response) {
      if (!response.ok) { throw new Error("signed out"); }
      return response.json();
    }).then(function (answer) {
      deadline = Date.now() + answer.seconds_left * 1000;
      hide();
    }).catch(function () {
      // Already signed out: stay on the page so nothing typed is lost.
      gone = true;
      show(false);
    });
  });

  window.setInterval(tick, 1000);
  tick();
})();
