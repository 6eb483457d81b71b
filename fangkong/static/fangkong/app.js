/* Fangkong page behaviour. Loaded with defer; no inline scripts anywhere (CSP). */
(function () {
  "use strict";

  // Forms marked data-fk-confirm ask before submitting.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var text = form.getAttribute && form.getAttribute("data-fk-confirm");
    if (text && !window.confirm(text)) {
      event.preventDefault();
    }
  }, true);

  // A form on its way is not sent again. On a slow phone network nothing seems to happen
  // after the first tap; a second tap posted the same record twice (two tips, two
  // handovers, two problems). POST forms the page itself sends (htmx and a cancelled
  // confirm have already prevented the default); the buttons come back when the page is
  // shown again from the history cache, or after a while when the answer was a download
  // that left the page in place.
  var SENDING = "data-fk-sending";
  function release(form) {
    form.removeAttribute(SENDING);
    form.querySelectorAll("[data-fk-held]").forEach(function (button) {
      button.disabled = false;
      button.removeAttribute("data-fk-held");
    });
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || (form.getAttribute("method") || "").toLowerCase() !== "post") {
      return;
    }
    if (form.hasAttribute(SENDING)) {
      event.preventDefault();
      return;
    }
    form.setAttribute(SENDING, "");
    // After the form's data is taken: a disabled button would drop its own name and value.
    window.setTimeout(function () {
      form.querySelectorAll("button[type=submit], button:not([type]), input[type=submit]")
        .forEach(function (button) {
          if (!button.disabled) {
            button.disabled = true;
            button.setAttribute("data-fk-held", "");
          }
        });
    }, 0);
    window.setTimeout(function () { release(form); }, 15000);
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      document.querySelectorAll("form[" + SENDING + "]").forEach(release);
    }
  });

  // Selects marked data-fk-autosubmit submit their form on change (language switcher etc.).
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.hasAttribute && el.hasAttribute("data-fk-autosubmit") && el.form) {
      el.form.submit();
    }
  });

  // A form sent back with errors: bring the first message into view. On a phone the page
  // reloads at its top and the message sat below the fold, as if nothing had happened.
  // Measured once the page is laid out (icon font, images): measured earlier, a message
  // that later moved below the fold was taken for one on screen.
  function revealFirstError() {
    var error = document.querySelector("main .invalid-feedback, main .alert-danger");
    if (error) {
      var box = error.getBoundingClientRect();
      if (box.bottom > window.innerHeight || box.top < 0) {
        // Instant: Bootstrap's smooth scrolling would slide down from the top on every
        // such page, and the message is not where it will be until the slide ends.
        (error.closest(".mb-3, .form-check") || error).scrollIntoView({
          block: "center",
          behavior: "instant",
        });
      }
    }
  }
  if (document.readyState === "complete") {
    revealFirstError();
  } else {
    window.addEventListener("load", revealFirstError);
  }

  // An htmx answer that replaced the element holding the focus (the 显示 button of a
  // personal-data box) left the focus on the page's body: a keyboard or screen-reader user
  // was thrown back to the top of the page, the answer unread. The focus goes to the new
  // content instead: its first field marked invalid, else the region itself.
  var focusRegion = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    focusRegion = target && target.id && target.contains(document.activeElement) ? target.id : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    var id = focusRegion;
    focusRegion = null;
    if (!id || (document.activeElement && document.activeElement !== document.body)) {
      return;
    }
    var region = document.getElementById(id);
    if (!region) {
      return;
    }
    var field = region.querySelector("[aria-invalid=true]");
    if (field) {
      field.focus();
      return;
    }
    if (!region.hasAttribute("tabindex")) {
      region.setAttribute("tabindex", "-1");
    }
    region.focus();
  });

  // An htmx request the server refused (409, 429, 503…) or the network never carried left
  // the page as it was, without a word: the reason goes just above the element it would
  // have filled — the server's own message where the answer has one (an error page's text,
  // an API's detail), else the page's general one — and goes when the next request starts.
  var FAILED = "data-fk-htmx-error";
  function failureBox(target) {
    var before = target && target.previousElementSibling;
    return before && before.hasAttribute(FAILED) ? before : null;
  }
  function serverMessage(xhr) {
    var text = xhr && xhr.responseText;
    if (!text) {
      return "";
    }
    try {
      var data = JSON.parse(text);
      return data && typeof data.detail === "string" ? data.detail : "";
    } catch (notJson) {
      var doc = new DOMParser().parseFromString(text, "text/html");
      var p = doc.querySelector("main p");
      return p ? p.textContent.trim() : "";
    }
  }
  function showFailure(event, fallback) {
    var target = event.detail.target;
    if (!target || !target.parentNode) {
      return;
    }
    var box = failureBox(target);
    if (!box) {
      box = document.createElement("div");
      box.className = "alert alert-danger py-2 my-2";
      box.setAttribute("role", "alert");
      box.setAttribute(FAILED, "");
      target.parentNode.insertBefore(box, target);
    }
    box.textContent = serverMessage(event.detail.xhr) || document.body.getAttribute(fallback);
  }
  document.addEventListener("htmx:responseError", function (event) {
    showFailure(event, "data-fk-htmx-failed");
  });
  document.addEventListener("htmx:sendError", function (event) {
    showFailure(event, "data-fk-htmx-offline");
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    var box = failureBox(event.detail.target);  // before a swap takes the target away
    if (box) {
      box.remove();
    }
  });

  // Tree toggles: open/close a node's children (loaded lazily by htmx the first time).
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-fk-toggle]");
    if (!button) {
      return;
    }
    var target = document.getElementById(button.getAttribute("data-fk-toggle"));
    if (!target) {
      return;
    }
    var open = button.getAttribute("aria-expanded") === "true";
    button.setAttribute("aria-expanded", open ? "false" : "true");
    var icon = button.querySelector("i");
    if (icon) {
      icon.className = open ? "bi bi-caret-right-fill" : "bi bi-caret-down-fill";
    }
    target.hidden = open;
  });
})();
