// Targets tab: select rows (one by one, the whole page, or all matching the filter) for
// Dispatch to Campaign and Enrich. The checkboxes belong to #selection-form via form="…".
(function () {
  "use strict";

  function rows() {
    return document.querySelectorAll('input[name="target_id"][form="selection-form"]');
  }

  function update() {
    var boxes = rows();
    var checked = 0;
    boxes.forEach(function (box) { if (box.checked) checked += 1; });
    var all = document.querySelector("[data-all-matching]");
    var count = document.querySelector("[data-selected-count]");
    if (count) {
      count.textContent = all && all.checked
        ? "All " + all.getAttribute("data-total") + " matching selected"
        : checked + " selected";
    }
    var pageBox = document.querySelector("[data-select-page]");
    if (pageBox) pageBox.checked = boxes.length > 0 && checked === boxes.length;
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLInputElement)) return;
    if (target.matches("[data-select-page]")) {
      rows().forEach(function (box) { box.checked = target.checked; });
      if (!target.checked) uncheckAll();
    } else if (target.matches("[data-all-matching]")) {
      rows().forEach(function (box) { box.checked = target.checked; });
    } else if (target.name === "target_id" && !target.checked) {
      uncheckAll();  // un-ticking a row means "not everything" any more
    } else {
      return;
    }
    update();
  });

  function uncheckAll() {
    var all = document.querySelector("[data-all-matching]");
    if (all) all.checked = false;
  }

  document.addEventListener("DOMContentLoaded", update);
  document.addEventListener("htmx:afterSettle", update);
})();
