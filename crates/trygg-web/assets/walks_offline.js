// Trygg: registers the safety walks' service worker, shows how many findings
// are kept on this device, and has them sent when the connection returns.
// The pages work without this script.
(function () {
  'use strict';
  var status = document.getElementById('offline-status');
  if (!status || !('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('/walks/sw.js', { scope: '/walks/' });
  var ask = function (msg) {
    navigator.serviceWorker.ready.then(function (r) { if (r.active) r.active.postMessage(msg); });
  };
  navigator.serviceWorker.addEventListener('message', function (e) {
    var d = e.data || {};
    if (d.sent > 0) {
      // The sent findings are on the walk's page now.
      window.location.reload();
      return;
    }
    status.textContent = d.kept > 0 ? status.getAttribute('data-kept').replace('{n}', String(d.kept)) : '';
  });
  window.addEventListener('online', function () { ask('flush'); });
  window.addEventListener('offline', function () { ask('count'); });
  ask(navigator.onLine ? 'flush' : 'count');
})();
