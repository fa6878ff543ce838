/* Form behaviour of every screen. Loaded after Flask-AppBuilder's scripts and before their
   page-load handlers run (complaints/baselayout.html), so what is set here applies to every
   Select2 and date picker FAB creates, at page load and later (list filters):
   - Select2 speaks the user's language and its search box takes the keyboard as soon as a
     dropdown opens (with FAB's jQuery 3.6, Select2 4.0.13 leaves the focus on the closed box,
     so typing went nowhere).
   - FAB's date pickers (bootstrap-datepicker) speak the user's language, weeks from Monday,
     dates written 2026-11-20; adding a date filter to a list no longer fails.
   - Times to the minute ([data-minute-picker]) get a picker with hours and minutes (flatpickr);
     what is typed is read like the server reads it, and never wiped when the picker cannot.
   No inline handlers (Content-Security-Policy 'self'). */
(function ($) {
  "use strict";
  var script = document.currentScript;
  var language = (script && script.getAttribute("data-language")) || "en";

  // ---- Select2 -----------------------------------------------------------------------
  if ($.fn.select2) {
    $.fn.select2.defaults.set("language", language);
    // The width of its box, not of its longest option at page load (which overflowed phones).
    $.fn.select2.defaults.set("width", "100%");
  }
  $(document).on("select2:open", function (event) {
    var instance = $(event.target).data("select2");
    var search = instance && instance.dropdown && instance.dropdown.$search;
    var field = search && search.length ? search[0]
      : document.querySelector(".select2-container--open .select2-search__field");
    if (field) {
      field.focus();
    }
  });

  // ---- FAB's date pickers --------------------------------------------------------------
  if ($.fn.datepicker) {
    var dates = $.fn.datepicker.dates;
    if (dates[language]) {
      $.fn.datepicker.defaults.language = language;
    }
    // A locale's own week start and format win over the defaults: the company's are these.
    $.each(dates, function (name, locale) {
      locale.weekStart = 1;
      locale.format = "yyyy-mm-dd";
    });
    $.fn.datepicker.defaults.weekStart = 1;
    $.fn.datepicker.defaults.format = "yyyy-mm-dd";
    // FAB's list filters still call the date-time plugin FAB no longer ships when a date filter
    // is added (ab_filters.js), which failed; the field has its date picker already.
    if (!$.fn.datetimepicker) {
      $.fn.datetimepicker = function () { return this; };
    }
  }

  // ---- Times to the minute -------------------------------------------------------------
  // As core/params.py parse_datetime reads typed times: "2026-11-20 14:30", slashes, dots or
  // 年月日, one-digit parts, full-width digits and colons (NFKC).
  var TYPED = /^(\d{4})\s*[-\/.年]\s*(\d{1,2})\s*[-\/.月]\s*(\d{1,2})\s*日?(?:(?:\s+|T|(?<=日))(\d{1,2})\s*:\s*(\d{1,2})(?:\s*:\s*(\d{1,2}))?)?$/;

  function readMoment(text) {
    var match = TYPED.exec((text || "").normalize("NFKC").trim());
    if (!match) {
      return undefined;
    }
    var parts = match.slice(1).map(function (part) { return part ? Number(part) : 0; });
    var moment = new Date(parts[0], parts[1] - 1, parts[2], parts[3], parts[4], parts[5]);
    var same = moment.getFullYear() === parts[0] && moment.getMonth() === parts[1] - 1 &&
      moment.getDate() === parts[2] && moment.getHours() === parts[3] && moment.getMinutes() === parts[4];
    return same ? moment : undefined;
  }

  function minutePicker(input) {
    var latest = readMoment(input.getAttribute("data-max"));
    var l10n = window.flatpickr.l10ns[{"zh-CN": "zh", "zh-TW": "zh_tw"}[language] || "default"];
    // What the picker cannot read, or may not pick, stays as typed: the server says what is
    // wrong with it (flatpickr would empty the box).
    function keepTyped(event) {
      if (event.type === "keydown" && event.key !== "Enter") {
        return;
      }
      var text = input.value.trim();
      var moment = readMoment(text);
      if (text && (!moment || (latest && moment > latest))) {
        event.stopImmediatePropagation();
      }
    }
    input.addEventListener("keydown", keepTyped);
    input.addEventListener("blur", keepTyped);
    var start = latest || new Date();
    var picker = window.flatpickr(input, {
      locale: $.extend({}, l10n, {firstDayOfWeek: 1}),
      enableTime: true,
      time_24hr: true,
      minuteIncrement: 1,
      dateFormat: "Y-m-d H:i",
      allowInput: true,
      maxDate: latest,
      defaultHour: start.getHours(),
      defaultMinute: start.getMinutes(),
      parseDate: readMoment,
      // The same picker on phones (their own would follow the phone's language and format).
      disableMobile: true,
      // Flatpickr reads the box again on every click elsewhere, emptying it when it cannot:
      // it closes on such clicks here instead (closeIfElsewhere), leaving the box alone.
      ignoredFocusElements: [document.body]
    });
    function closeIfElsewhere(event) {
      var target = event.target;
      if (picker.isOpen && target !== input && !picker.calendarContainer.contains(target) &&
          !$(target).closest(".minute-picker .input-group-addon").length) {
        picker.close();
      }
    }
    document.addEventListener("mousedown", closeIfElsewhere);
    document.addEventListener("focusin", closeIfElsewhere);
    // The calendar icon opens the picker too.
    $(input).closest(".minute-picker").find(".input-group-addon").on("click", function () { picker.open(); });
  }

  $(function () {
    if (window.flatpickr) {
      $("[data-minute-picker]").each(function () { minutePicker(this); });
    }
  });
}(jQuery));
