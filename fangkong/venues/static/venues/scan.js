/* 场所码扫码登记: remember the person's name and ID number / phone on this phone only
   (localStorage), never in the URL. No framework: the page must load fast on old phones. */
(function () {
  "use strict";
  var PREFIX = "fangkong.scan.";
  function store() {
    try { return window.localStorage; } catch (e) { return null; }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("scan-form");
    var ls = store();
    if (!form || !ls) { return; }
    // One tap, one record: on a slow network nothing seems to happen after the first tap on
    // 登记进入, and a second tap recorded the visit twice (two entries in the count, two
    // rows in the list). While the form is on its way a second tap sends nothing; the
    // buttons come back when the page is shown again from the history cache.
    form.addEventListener("submit", function (event) {
      if (form.hasAttribute("data-fk-sending")) { event.preventDefault(); return; }
      form.setAttribute("data-fk-sending", "");
      window.setTimeout(function () {  // after the pressed button's name and value are taken
        Array.prototype.forEach.call(form.querySelectorAll("button[type=submit]"), function (b) {
          b.disabled = true;
        });
      }, 0);
    });
    window.addEventListener("pageshow", function (event) {
      if (!event.persisted) { return; }
      form.removeAttribute("data-fk-sending");
      Array.prototype.forEach.call(form.querySelectorAll("button[type=submit]"), function (b) {
        b.disabled = false;
      });
    });
    var fields = form.querySelectorAll("[data-remember]");
    var remember = form.querySelector("input[name=remember]");
    var forget = document.getElementById("forget-me");
    var stored = false;
    Array.prototype.forEach.call(fields, function (input) {
      var value = ls.getItem(PREFIX + input.getAttribute("data-remember"));
      if (value && !input.value) { input.value = value; }
      if (value) { stored = true; }
    });
    if (forget && stored) { forget.hidden = false; }
    form.addEventListener("submit", function () {
      Array.prototype.forEach.call(fields, function (input) {
        var key = PREFIX + input.getAttribute("data-remember");
        if (remember && remember.checked && input.value) { ls.setItem(key, input.value); }
        else { ls.removeItem(key); }
      });
    });
    if (forget) {
      forget.addEventListener("click", function () {
        Array.prototype.forEach.call(fields, function (input) {
          ls.removeItem(PREFIX + input.getAttribute("data-remember"));
          input.value = "";
        });
        forget.hidden = true;
      });
    }
  });
})();
