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
