// Small conveniences for the patient's forms. Every page works without this file: the server
// reads the quick choice when no minutes are typed, and a double tap is caught by the form's
// one-time token.
(function () {
  "use strict";
  var minutes = document.getElementById("id_minutes");
  var quick = document.querySelectorAll('input[name="quick_minutes"]');
  if (minutes && quick.length) {
    quick.forEach(function (radio) {
      radio.addEventListener("change", function () {
        if (radio.checked) { minutes.value = radio.value; }
      });
    });
    minutes.addEventListener("input", function () {
      quick.forEach(function (radio) { radio.checked = radio.value === minutes.value; });
    });
  }
  document.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[data-once]");
      if (button) {
        // Disable after this event so the button's own value is still sent.
        window.setTimeout(function () { button.disabled = true; }, 0);
      }
    });
  });
})();
