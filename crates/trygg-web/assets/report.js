// Trygg: the public report form's "use my position" button. The form works
// without this script; with it, the browser's geolocation (asked only when
// the button is pressed) fills in the latitude and longitude fields.
(function () {
  'use strict';
  var button = document.getElementById('locate');
  var lat = document.getElementById('lat');
  var lon = document.getElementById('lon');
  var status = document.getElementById('locate-status');
  if (!button || !lat || !lon || !status || !('geolocation' in navigator)) return;
  button.hidden = false;
  button.addEventListener('click', function () {
    status.textContent = button.getAttribute('data-busy');
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        lat.value = pos.coords.latitude.toFixed(6);
        lon.value = pos.coords.longitude.toFixed(6);
        status.textContent = button.getAttribute('data-done');
        button.disabled = false;
      },
      function () {
        status.textContent = button.getAttribute('data-failed');
        button.disabled = false;
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  });
})();
