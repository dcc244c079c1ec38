// Grid patrol: "use my location" fills the hidden WGS-84 fields from the phone's GPS; the
// server picks the nearest building of the worker's cells (casework.grid).
(function () {
  "use strict";
  var button = document.getElementById("grid-locate");
  var form = document.getElementById("grid-finding");
  if (!button || !form || !navigator.geolocation) return;
  var status = document.getElementById("grid-locate-status");
  button.hidden = false;
  button.addEventListener("click", function () {
    status.textContent = "…";
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        form.elements.latitude.value = pos.coords.latitude.toFixed(6);
        form.elements.longitude.value = pos.coords.longitude.toFixed(6);
        form.elements.place.value = "";
        status.textContent = "✓ " + pos.coords.latitude.toFixed(5) + ", " + pos.coords.longitude.toFixed(5);
      },
      function () {
        status.textContent = "✗";
      },
      { enableHighAccuracy: true, timeout: 15000 }
    );
  });
})();
