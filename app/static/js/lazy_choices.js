// A related-row filter of a list's search form (category, office, staff) comes with only the
// rows already chosen; its other choices are loaded here when the filter is shown
// (app/core/lists.py), so the list page itself never reads them.
(function ($) {
    "use strict";

    function load(select) {
        var $select = $(select);
        if ($select.data("choices-requested")) {
            return;
        }
        $select.data("choices-requested", true);
        $.getJSON($select.attr("data-choices-url"), function (choices) {
            var chosen = $select.val();
            var present = {};
            $select.find("option").each(function () { present[this.value] = true; });
            $.each(choices, function (index, choice) {
                if (!present[choice.id]) {
                    $select.append($("<option/>").attr("value", choice.id).text(choice.text));
                }
            });
            $select.val(chosen).trigger("change.select2");
        });
    }

    function loadShown() {
        $("#filter_form .filters select.lazy-choices").each(function () { load(this); });
    }

    $(function () {
        loadShown();
        // FAB's own handler adds the filter's row first.
        $("#filter_form a.filter").on("click", function () { window.setTimeout(loadShown, 0); });
    });
})(jQuery);
