// Patient pages: register the service worker, say how many walks logged without signal wait to
// be sent, and clear what this browser keeps when the patient logs out (docs/offline.md).
// Every page works without this file; then nothing is kept on the phone.
(function () {
  "use strict";
  var script = document.currentScript;
  // Words in the page's language from Django's JavaScript catalogue (base.html loads it first);
  // English if it could not be loaded.
  var gettext = window.gettext || function (text) { return text; };
  var ngettext = window.ngettext || function (one, many, n) { return n === 1 ? one : many; };
  var interpolate = window.interpolate || function (text, values) {
    return text.replace(/%\((\w+)\)s/g, function (all, name) { return String(values[name]); });
  };
  var language = document.documentElement.lang || "en-GB";
  var logout = document.querySelectorAll('form[action$="/accounts/logout/"]');

  // Logging out: the service worker deletes its caches and the walks waiting when the logout
  // request passes it, and the server's answer carries Clear-Site-Data; this page's own
  // storage goes here, before the request leaves.
  logout.forEach(function (form) {
    form.addEventListener("submit", function () {
      try { window.localStorage.clear(); window.sessionStorage.clear(); } catch (e) { /* off */ }
    });
  });

  // A saved copy of "Log a walk" was made on an earlier day, maybe: its date field would offer
  // that day and stop at it. Today on this phone is the day a walk is most likely on (the
  // server checks the date again when the walk arrives).
  // Its submission token was emptied when the copy was kept: each opening gets its own, so a
  // walk logged from it is saved once however often it is sent (docs/offline.md).
  var token = document.querySelector('input[name="submission_token"]');
  if (token && !token.value && document.body.classList.contains("saved-copy") && window.crypto
      && crypto.randomUUID) {
    token.value = crypto.randomUUID();
  }
  var walkedOn = document.getElementById("id_walked_on");
  if (walkedOn && walkedOn.type === "date" && document.body.classList.contains("saved-copy")) {
    var now = new Date();
    var today = new Date(now.getTime() - now.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
    if (walkedOn.max && walkedOn.max < today) {
      if (walkedOn.value === walkedOn.max) { walkedOn.value = today; }
      walkedOn.max = today;
    }
  }

  if (!("serviceWorker" in navigator) || !script) { return; }
  var box = document.querySelector("[data-walks-waiting]");
  var count = box && box.querySelector(".walks-waiting-count");
  var problems = box && box.querySelector(".walks-not-sent");

  function dayWords(isoDate) {
    var options = { weekday: "long", day: "numeric", month: "long" };
    var day = new Date(isoDate + "T12:00:00");
    try {
      return day.toLocaleDateString(language, options);
    } catch (e) {
      return day.toLocaleDateString("en-GB", options);
    }
  }

  // Why a walk kept on the phone was not saved, as one sentence (the reason comes from the
  // server, already in the patient's language).
  function notSaved(walk) {
    var minutes = walk.fields.minutes || walk.fields.quick_minutes || "?";
    var values = { minutes: minutes, reason: walk.problem };
    if (walk.fields.walked_on) {
      values.day = dayWords(walk.fields.walked_on);
      return interpolate(gettext(
        "Your %(minutes)s-minute walk on %(day)s was not saved: %(reason)s Please log it again if it is right."
      ), values, true);
    }
    return interpolate(gettext(
      "Your %(minutes)s-minute walk was not saved: %(reason)s Please log it again if it is right."
    ), values, true);
  }

  function show(walks) {
    if (!box) { return; }
    var waiting = walks.filter(function (walk) { return !walk.problem; }).length;
    count.hidden = waiting === 0;
    count.textContent = interpolate(ngettext(
      "%(count)s walk waiting to be sent. It is kept on this phone and goes when there is signal.",
      "%(count)s walks waiting to be sent. They are kept on this phone and go when there is signal.",
      waiting
    ), { count: waiting }, true);
    problems.textContent = "";
    walks.filter(function (walk) { return walk.problem; }).forEach(function (walk) {
      var item = document.createElement("li");
      var text = document.createElement("p");
      text.textContent = notSaved(walk);
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "btn btn-outline-primary btn-lg";
      remove.textContent = gettext("I have read this");
      remove.addEventListener("click", function () {
        tell({ type: "discard", token: walk.token });
      });
      item.appendChild(text);
      item.appendChild(remove);
      problems.appendChild(item);
    });
    problems.hidden = !problems.children.length;
  }

  function tell(message) {
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.active) { registration.active.postMessage(message); }
    });
  }

  navigator.serviceWorker.addEventListener("message", function (event) {
    if (event.data && event.data.type === "walks") { show(event.data.walks); }
  });
  // Where there is no Background Sync (Safari, Firefox), coming back online is the moment.
  window.addEventListener("online", function () { tell({ type: "online" }); });

  navigator.serviceWorker
    .register(script.getAttribute("data-service-worker"), { scope: "/" })
    .then(function () { tell({ type: "hello" }); })
    .catch(function () { /* no worker: the pages still work online */ });
})();
