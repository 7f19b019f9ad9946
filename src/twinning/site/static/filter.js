// The site's only script: filter the home page's index as you type. Everything else works
// without it; the filter box stays hidden when scripts do not run.
(function () {
  "use strict";
  var box = document.getElementById("filter-box");
  var input = document.getElementById("filter");
  var count = document.getElementById("filter-count");
  if (!box || !input) {
    return;
  }
  var items = Array.prototype.slice.call(document.querySelectorAll("ul.index li"));
  var groups = Array.prototype.slice.call(document.querySelectorAll("section.group"));
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  var texts = items.map(function (li) { return fold(li.textContent); });
  function apply() {
    var words = fold(input.value).split(/\s+/).filter(Boolean);
    var shown = 0;
    items.forEach(function (li, i) {
      var match = words.every(function (w) { return texts[i].indexOf(w) !== -1; });
      li.hidden = !match;
      if (match) { shown += 1; }
    });
    groups.forEach(function (group) {
      group.hidden = group.querySelector("li:not([hidden])") === null;
    });
    count.value = String(shown);
    count.textContent = String(shown);
  }
  input.addEventListener("input", apply);
  box.hidden = false;
  apply();
})();
