// Small progressive enhancements; every page works without JavaScript.
(function () {
  "use strict";
  // A search box above long <select data-filterable> lists (the place tree).
  document.querySelectorAll("select[data-filterable]").forEach(function (select) {
    var box = document.createElement("input");
    box.type = "search";
    box.placeholder = select.dataset.filterPlaceholder || "…";
    box.setAttribute("aria-label", box.placeholder);
    box.className = "select-filter";
    select.parentNode.insertBefore(box, select);
    box.addEventListener("input", function () {
      var needle = box.value.trim().toLowerCase();
      Array.prototype.forEach.call(select.options, function (option) {
        option.hidden = needle !== "" && option.value !== "" &&
          option.text.toLowerCase().indexOf(needle) === -1;
      });
    });
  });
  // Print buttons.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
