/* Display time zone for every page: formats <time class="t"> elements in the chosen IANA zone (Intl),
   keeps UTC in the title (hover) and remembers the choice. Evidence text is never touched here. */
(function () {
  'use strict';
  var KEY = 'trowel.displayZone';
  var listeners = [];
  var formatters = {};

  function supportedZones() {
    try {
      var list = Intl.supportedValuesOf('timeZone');
      if (list.indexOf('UTC') < 0) { list = ['UTC'].concat(list); }
      return list;
    } catch (e) {
      return ['UTC'];
    }
  }

  function validZone(zone) {
    try { new Intl.DateTimeFormat('en-US', { timeZone: zone }); return true; } catch (e) { return false; }
  }

  /* The zone chosen on the page that linked here (?zone=...): Firefox gives every file:// page its own
     storage, so the choice travels with the links as well as in localStorage. */
  function linkedZone() {
    try {
      var z = new URLSearchParams(window.location.search).get('zone');
      return z && validZone(z) ? z : null;
    } catch (e) {
      return null;
    }
  }

  function defaultZone() {
    var select = document.getElementById('zone-select');
    var fallback = (select && select.getAttribute('data-default')) || 'UTC';
    var linked = linkedZone();
    if (linked) { return linked; }
    var stored = null;
    try { stored = window.localStorage.getItem(KEY); } catch (e) { stored = null; }
    if (stored && validZone(stored)) { return stored; }
    return validZone(fallback) ? fallback : 'UTC';
  }

  /* Before a link to another page of the report is followed, add the display zone to it. */
  function carryZone(event) {
    var a = event.target && event.target.closest ? event.target.closest('a[href]') : null;
    if (!a) { return; }
    var url;
    try { url = new URL(a.getAttribute('href'), window.location.href); } catch (e) { return; }
    if (url.protocol !== window.location.protocol || !/\.html$/.test(url.pathname)) { return; }
    url.searchParams.set('zone', zone);
    a.setAttribute('href', url.href);
  }

  var zone = defaultZone();

  function formatter(z) {
    if (!formatters[z]) {
      formatters[z] = new Intl.DateTimeFormat('en-US', {
        timeZone: z, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
        second: '2-digit', hourCycle: 'h23', timeZoneName: 'short'
      });
    }
    return formatters[z];
  }

  /* "2023-11-14T22:13:20.123456Z" -> "2023-11-14 23:13:20.123456 GMT+1" in the display zone. */
  function format(iso, z) {
    z = z || zone;
    if (typeof iso !== 'string' || iso.length < 20) { return String(iso); }
    var m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$/.exec(iso);
    if (!m) { return iso; }
    var frac = m[2] || '';
    var ms = Date.parse(m[1] + '.' + (frac + '000').slice(0, 3) + 'Z');
    if (isNaN(ms)) { return iso; }
    if (z === 'UTC') {
      return m[1].replace('T', ' ') + (frac ? '.' + frac : '') + ' UTC';
    }
    var parts = {};
    formatter(z).formatToParts(new Date(ms)).forEach(function (p) { parts[p.type] = p.value; });
    return parts.year + '-' + parts.month + '-' + parts.day + ' ' + parts.hour + ':' + parts.minute + ':' +
      parts.second + (frac ? '.' + frac : '') + ' ' + (parts.timeZoneName || z);
  }

  /* Offset (ms) of zone z at instant t: wall clock read as UTC minus the instant. */
  function offsetAt(t, z) {
    var parts = {};
    formatter(z).formatToParts(new Date(t)).forEach(function (p) { parts[p.type] = p.value; });
    var wall = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
    return wall - Math.floor(t / 1000) * 1000;
  }

  /* A wall-clock time "YYYY-MM-DDTHH:MM[:SS]" in the display zone -> the UTC instant (ms), or NaN. */
  function wallToUtc(text, z) {
    z = z || zone;
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(text || '');
    if (!m) { return NaN; }
    var guess = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0));
    if (z === 'UTC') { return guess; }
    var first = guess - offsetAt(guess, z);
    var second = guess - offsetAt(first, z);
    return second;
  }

  function apply() {
    var times = document.querySelectorAll('time.t');
    for (var i = 0; i < times.length; i++) {
      var el = times[i];
      var iso = el.getAttribute('datetime');
      el.textContent = format(iso, zone);
      el.title = 'UTC ' + iso;
    }
    var names = document.querySelectorAll('.zone-name');
    for (var j = 0; j < names.length; j++) { names[j].textContent = zone; }
    listeners.forEach(function (fn) { fn(zone); });
  }

  function setZone(z) {
    if (!validZone(z)) { return; }
    zone = z;
    try { window.localStorage.setItem(KEY, z); } catch (e) { /* file:// storage may be off */ }
    var select = document.getElementById('zone-select');
    if (select && select.value !== z) { select.value = z; }
    apply();
  }

  function init() {
    document.addEventListener('click', carryZone, true);
    document.addEventListener('auxclick', carryZone, true);
    var select = document.getElementById('zone-select');
    if (select) {
      var zones = supportedZones();
      if (zones.indexOf(zone) < 0) { zones.unshift(zone); }
      var frag = document.createDocumentFragment();
      zones.forEach(function (z) {
        var opt = document.createElement('option');
        opt.value = z;
        opt.textContent = z;
        frag.appendChild(opt);
      });
      select.appendChild(frag);
      select.value = zone;
      select.addEventListener('change', function () { setZone(select.value); });
    }
    apply();
  }

  window.TROWEL_ZONE = {
    get: function () { return zone; },
    set: setZone,
    format: format,
    wallToUtc: wallToUtc,
    onChange: function (fn) { listeners.push(fn); }
  };

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
})();
