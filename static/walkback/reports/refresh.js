// Reload a page that shows work in progress (an export being prepared) every few seconds.
// A file, not an inline script: the Content Security Policy forbids inline scripts.
(function () {
  var holder = document.querySelector("[data-refresh-seconds]");
  if (!holder) return;
  var seconds = Number(holder.getAttribute("data-refresh-seconds")) || 2;
  window.setTimeout(function () { window.location.reload(); }, seconds * 1000);
})();
