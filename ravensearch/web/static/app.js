// Ravensearch admin: the little behaviour HTMX does not cover. No build step, no framework.
(function () {
  "use strict";

  // Toasts dismiss themselves (errors stay longer) or on their close button.
  function armToasts(root) {
    root.querySelectorAll(".toast:not([data-armed])").forEach(function (toast) {
      toast.setAttribute("data-armed", "");
      var delay = toast.classList.contains("toast-error") ? 10000 : 5000;
      setTimeout(function () { dismiss(toast); }, delay);
    });
  }

  function dismiss(toast) {
    toast.classList.add("is-leaving");
    setTimeout(function () { toast.remove(); }, 200);
  }

  // Copy buttons: data-copy="#input-id" copies that input's value.
  function copy(button) {
    var input = document.querySelector(button.getAttribute("data-copy"));
    if (!input) return;
    var done = function () {
      var label = button.textContent;
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = label; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, function () { fallbackCopy(input, done); });
    } else {
      fallbackCopy(input, done);
    }
  }

  function fallbackCopy(input, done) {
    input.select();
    try { document.execCommand("copy"); done(); } catch (e) { /* the text stays selected */ }
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;
    var close = target.closest(".toast-close");
    if (close) { dismiss(close.closest(".toast")); return; }
    var copyButton = target.closest("[data-copy]");
    if (copyButton) copy(copyButton);
  });

  document.addEventListener("DOMContentLoaded", function () { armToasts(document); });
  document.addEventListener("htmx:afterSettle", function () { armToasts(document); });
  document.addEventListener("htmx:oobAfterSwap", function () { armToasts(document); });

  // A request that never reached the server (offline, server restarting): say so once.
  document.addEventListener("htmx:sendError", function () {
    var box = document.getElementById("toasts");
    if (!box || box.querySelector("[data-offline]")) return;
    var toast = document.createElement("div");
    toast.className = "toast toast-error";
    toast.setAttribute("role", "alert");
    toast.setAttribute("data-offline", "");
    toast.innerHTML = '<span class="toast-text"></span><button type="button" class="toast-close" aria-label="Dismiss">×</button>';
    toast.querySelector(".toast-text").textContent = "Cannot reach Ravensearch. Retrying…";
    box.appendChild(toast);
    armToasts(box);
  });
})();
