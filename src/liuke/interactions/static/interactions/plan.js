/* The visit plan's suggestions: the add button says how many are ticked (and is off while none is),
   and picking a day for a suggestion ticks it. The form works without this script. */
(function () {
  "use strict";
  var form = document.getElementById("plan-suggestions");
  if (!form) return;
  var button = form.querySelector("[data-testid=plan-add]");
  var count = form.querySelector("[data-ticked-count]");
  function update() {
    var n = form.querySelectorAll("input[name=customer]:checked").length;
    if (count) count.textContent = n;
    if (button) button.disabled = n === 0;
  }
  form.addEventListener("change", function (e) {
    if (e.target.tagName === "SELECT") {
      var box = e.target.closest("li").querySelector("input[name=customer]");
      if (box) box.checked = true;
    }
    update();
  });
  update();
})();
