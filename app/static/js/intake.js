/* Intake: while the call-taker types the caller's phone or room, show that resident's open
   cases (GET /complaints/caller-history, the user's offices only), each with a button that
   records the call on it as a repeat call instead of registering a duplicate: it sends the
   form with repeat_of = the case (complaints/add.html). Its buttons are plain buttons, so
   Enter in a field still saves a new complaint. No inline handlers (Content-Security-Policy
   'self'). */
(function ($) {
  "use strict";
  var panel = document.getElementById("caller-history");
  var rowTemplate = document.getElementById("caller-history-row");
  var phone = document.getElementById("complainant_phone");
  var room = document.getElementById("complainant_room");
  var office = document.getElementById("office_id");
  if (!panel || !rowTemplate || !phone || !room) {
    return;
  }
  var list = panel.querySelector(".list-group");
  var form = phone.form;
  var lastQuery = null;
  var timer = null;

  // Shown right under the caller's details, across the form's two columns.
  var holder = panel;
  var after = room.closest("tr");
  if (after) {
    holder = document.createElement("tr");
    holder.id = "caller-history-holder";
    holder.hidden = true;
    var cell = document.createElement("td");
    cell.colSpan = 2;
    cell.appendChild(panel);
    holder.appendChild(cell);
    after.parentNode.insertBefore(holder, after.nextSibling);
    panel.hidden = false;
  }

  function show(cases) {
    list.textContent = "";
    cases.forEach(function (item) {
      var entry = rowTemplate.content.firstElementChild.cloneNode(true);
      var link = entry.querySelector(".case-link");
      link.href = item.url;
      link.textContent = item.case_number;
      var emergency = entry.querySelector(".case-emergency");
      if (item.urgency === "EMERGENCY") {
        emergency.textContent = item.urgency_label;
        emergency.hidden = false;
      }
      entry.querySelector(".case-meta").textContent =
        [item.received_at, item.category, item.status, (item.complainant + " " + item.room).trim()].join(" · ");
      entry.querySelector(".case-description").textContent = item.description;
      entry.querySelector("button.repeat-call").addEventListener("click", function () {
        recordRepeatCall(item.id);
      });
      list.appendChild(entry);
    });
    holder.hidden = cases.length === 0;
  }

  function recordRepeatCall(caseId) {
    var description = form.elements.description;
    if (description && !description.value.trim()) {
      description.focus();
      description.reportValidity();  // the call's note: what the caller said
      return;
    }
    var field = form.querySelector("input[name=repeat_of]");
    if (!field) {
      field = document.createElement("input");
      field.type = "hidden";
      field.name = "repeat_of";
      form.appendChild(field);
    }
    field.value = caseId;
    // The server checks what a repeat call needs (what the caller said), not a new case's fields.
    form.submit();
  }

  function lookUp() {
    var params = new URLSearchParams({phone: phone.value.trim(), room: room.value.trim(),
                                      office_id: office ? office.value : ""});
    var query = params.toString();
    if (query === lastQuery) {
      return;
    }
    lastQuery = query;
    if (!phone.value.trim() && !room.value.trim()) {
      show([]);
      return;
    }
    fetch(panel.getAttribute("data-url") + "?" + query,
          {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) { return response.ok ? response.json() : {cases: []}; })
      .then(function (data) {
        if (query === lastQuery) {
          show(data.cases || []);
        }
      })
      .catch(function () { /* no history is no reason to stop the intake */ });
  }

  function soon() {
    window.clearTimeout(timer);
    timer = window.setTimeout(lookUp, 300);
  }

  phone.addEventListener("input", soon);
  room.addEventListener("input", soon);
  if (office) {
    $(office).on("change", soon);  // Select2 reports changes through jQuery
  }
  lookUp();  // a form shown again after a refusal keeps its history
}(jQuery));
