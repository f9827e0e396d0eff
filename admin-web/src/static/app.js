// Progressive enhancement for the back office: live queue counts (Server-Sent Events) with an optional
// sound and desktop notice when a queue grows. Everything works without it; there is no inline script.
(function () {
  'use strict';
  var list = document.getElementById('queues');
  var button = document.getElementById('enable-notify');
  var wantsNotice = window.localStorage && localStorage.getItem('fl-notify') === '1';

  function beep() {
    try {
      var AudioContext = window.AudioContext || window.webkitAudioContext;
      var audio = new AudioContext();
      var tone = audio.createOscillator();
      tone.frequency.value = 880;
      tone.connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.15);
    } catch {
      /* no sound available */
    }
  }

  function notify(title) {
    if (!wantsNotice) return;
    beep();
    if (window.Notification && Notification.permission === 'granted') new Notification(title);
  }

  if (button) {
    if (wantsNotice) button.setAttribute('aria-pressed', 'true');
    button.addEventListener('click', function () {
      wantsNotice = true;
      localStorage.setItem('fl-notify', '1');
      button.setAttribute('aria-pressed', 'true');
      if (window.Notification && Notification.permission === 'default') Notification.requestPermission();
    });
  }

  if (list && window.EventSource) {
    var source = new EventSource(list.getAttribute('data-events'));
    source.addEventListener('queues', function (event) {
      var counts = JSON.parse(event.data);
      Object.keys(counts).forEach(function (key) {
        var cell = list.querySelector('[data-queue="' + key + '"]');
        if (!cell) return;
        var before = Number(cell.textContent);
        cell.textContent = String(counts[key]);
        cell.classList.toggle('nonzero', counts[key] > 0);
        if (counts[key] > before) {
          var link = cell.parentElement && cell.parentElement.querySelector('a');
          notify(link ? link.textContent + ': ' + counts[key] : String(counts[key]));
        }
      });
    });
  }
})();
