// "Send reminders to this phone" / "Stop" on Me → Reminders (templates/portal/_push.html;
// docs/web-push.md). The service worker that shows the notifications is /sw.js.
(function () {
  "use strict";
  var panel = document.getElementById("push-reminders");
  if (!panel || !("serviceWorker" in navigator) || !("PushManager" in window)) {
    return; // the page keeps its plain words on how to get reminders
  }
  var controls = panel.querySelector(".push-controls");
  var unsupported = panel.querySelector(".push-unsupported");
  var subscribeButton = panel.querySelector('[data-push-action="subscribe"]');
  var stopButton = panel.querySelector('[data-push-action="unsubscribe"]');
  var status = panel.querySelector(".push-status");
  var listed = Array.prototype.map.call(
    panel.querySelectorAll("[data-endpoint]"),
    function (item) { return item.getAttribute("data-endpoint"); }
  );

  // Django's JavaScript catalogue (/jsi18n/, loaded by base.html) gives the words in the
  // person's language; without it they stay English.
  var gettext = window.gettext || function (text) { return text; };

  function say(text) { status.textContent = text; }

  function keyBytes(text) {
    var padded = text + "===".slice((text.length + 3) % 4);
    var raw = window.atob(padded.replace(/-/g, "+").replace(/_/g, "/"));
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": panel.dataset.csrfToken },
      body: JSON.stringify(body)
    });
  }

  // A subscription made with an older key pair (the install changed its keys) would be
  // refused by the push service: such a one is replaced.
  function madeWith(subscription, key) {
    var used = subscription.options && subscription.options.applicationServerKey;
    if (!used) { return true; } // the browser does not say: assume it is ours
    var bytes = new Uint8Array(used);
    if (bytes.length !== key.length) { return false; }
    for (var i = 0; i < key.length; i += 1) {
      if (bytes[i] !== key[i]) { return false; }
    }
    return true;
  }

  function showSubscribed(subscribed) {
    subscribeButton.hidden = subscribed;
    stopButton.hidden = !subscribed;
  }

  // `ready` waits for a service worker forever: without one (an old page, a private window)
  // the buttons stay hidden and the plain words stay.
  var noWorker = new Promise(function (resolve) { window.setTimeout(resolve, 5000, null); });
  Promise.race([navigator.serviceWorker.ready, noWorker]).then(function (registration) {
    if (!registration || !registration.pushManager) { return; }
    unsupported.hidden = true;
    controls.hidden = false;
    return registration.pushManager.getSubscription().then(function (subscription) {
      showSubscribed(!!subscription && listed.indexOf(subscription.endpoint) !== -1);
    });
  });

  subscribeButton.addEventListener("click", function () {
    subscribeButton.disabled = true;
    say(gettext("Setting up this phone…"));
    navigator.serviceWorker.ready
      .then(function (registration) {
        var key = keyBytes(panel.dataset.vapidPublicKey);
        function subscribe() {
          return registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
        }
        return registration.pushManager.getSubscription().then(function (existing) {
          if (!existing) { return subscribe(); }
          if (madeWith(existing, key)) { return existing; }
          return existing.unsubscribe().then(subscribe);
        });
      })
      .then(function (subscription) { return post(panel.dataset.subscribeUrl, subscription.toJSON()); })
      .then(function (response) {
        if (!response.ok) { throw new Error("refused"); }
        window.location.reload(); // the list and a "Done" message come from the server
      })
      .catch(function (error) {
        subscribeButton.disabled = false;
        if (error && error.name === "NotAllowedError") {
          say(gettext("Your phone is set to block messages from WalkBack. To allow them, change the notification setting for WalkBack in your phone's settings, then try again."));
        } else {
          say(gettext("That did not work. Please try again in a moment. Your e-mail reminders still come as usual."));
        }
      });
  });

  stopButton.addEventListener("click", function () {
    stopButton.disabled = true;
    navigator.serviceWorker.ready
      .then(function (registration) { return registration.pushManager.getSubscription(); })
      .then(function (subscription) {
        if (!subscription) { return null; }
        return post(panel.dataset.unsubscribeUrl, { endpoint: subscription.endpoint })
          .then(function () { return subscription.unsubscribe(); });
      })
      .then(function () { window.location.reload(); })
      .catch(function () {
        stopButton.disabled = false;
        say(gettext("That did not work. Please try again, or use Remove in the list below."));
      });
  });
}());
