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
  // The place by steps (小区 → 楼 → 单元): each list shows only what lies in the step
  // chosen before it. Without script every option carries its whole name.
  var steps = ["estate", "building", "unit"].map(function (step) {
    return document.querySelector("select[data-step=" + step + "]");
  });
  function narrow(index) {
    var parentSelect = steps[index - 1], select = steps[index];
    if (!parentSelect || !select) { return; }
    var parent = parentSelect.value;
    Array.prototype.forEach.call(select.options, function (option) {
      if (option.value === "") { return; }
      var visible = parent === "" || option.dataset.parent === parent;
      option.hidden = !visible;
      option.disabled = !visible;
      if (!visible && option.selected) { select.value = ""; }
    });
    narrow(index + 1);
  }
  steps.forEach(function (select, index) {
    if (select && index < 2) {
      select.addEventListener("change", function () { narrow(index + 1); });
    }
  });
  if (steps[0]) { narrow(1); }
  // "Use my location": the browser's position, the nearest estate from our own server
  // (no map tiles from the internet), filled into the steps for the resident to confirm.
  document.querySelectorAll("[data-locate]").forEach(function (button) {
    var holder = button.parentNode, result = holder.querySelector("[data-locate-result]");
    if (!navigator.geolocation) { return; }
    holder.hidden = false;
    button.addEventListener("click", function () {
      result.textContent = "…";
      navigator.geolocation.getCurrentPosition(function (position) {
        var url = button.dataset.url + "?lat=" + position.coords.latitude +
          "&lng=" + position.coords.longitude;
        fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); })
          .then(function (answer) {
            if (!answer.found) { result.textContent = button.dataset.none || "—"; return; }
            if (steps[0]) { steps[0].value = String(answer.estate); narrow(1); }
            if (steps[1] && answer.building) { steps[1].value = String(answer.building); narrow(2); }
            result.textContent = answer.name;
          }).catch(function () { result.textContent = "—"; });
      }, function () { result.textContent = "—"; }, { enableHighAccuracy: true, timeout: 15000 });
    });
  });
  // The receipt: copy it, or save it as a picture drawn here (nothing leaves the phone).
  document.querySelectorAll("[data-receipt-tools]").forEach(function (tools) {
    tools.hidden = false;
  });
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var text = button.dataset.copy, label = button.textContent;
      var done = function () {
        button.textContent = button.dataset.copied;
        setTimeout(function () { button.textContent = label; }, 2000);
      };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(done, function () { window.prompt("", text); });
      } else {
        window.prompt("", text);
      }
    });
  });
  document.querySelectorAll("[data-save-picture]").forEach(function (button) {
    button.addEventListener("click", function () {
      var reference = document.querySelector("[data-receipt-reference]");
      var code = document.querySelector("[data-receipt-code]");
      var canvas = document.createElement("canvas");
      canvas.width = 720; canvas.height = code ? 480 : 320;
      var ctx = canvas.getContext("2d");
      ctx.fillStyle = "#ffffff"; ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.fillStyle = "#1d2733";
      var font = '"Noto Sans CJK SC", "Noto Sans SC", sans-serif';
      ctx.font = "bold 40px " + font; ctx.fillText(button.dataset.title, 40, 80);
      ctx.font = "28px " + font; ctx.fillText(button.dataset.labelReference, 40, 160);
      ctx.font = "bold 56px monospace"; ctx.fillText(reference.textContent.trim(), 40, 230);
      if (code) {
        ctx.font = "28px " + font; ctx.fillText(button.dataset.labelCode, 40, 320);
        ctx.font = "bold 56px monospace"; ctx.fillText(code.textContent.trim(), 40, 390);
      }
      var link = document.createElement("a");
      link.download = button.dataset.file;
      link.href = canvas.toDataURL("image/png");
      document.body.appendChild(link); link.click(); link.remove();
    });
  });
  // Print buttons.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
