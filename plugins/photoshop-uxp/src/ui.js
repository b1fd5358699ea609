// Small DOM helpers the panel's sections share.

/**
 * Marks the option with `value` selected. UXP does not show a value set on the <select>
 * itself as selected; the `selected` attribute on the option works (known-issues.md).
 * @param {HTMLSelectElement} select
 * @param {string} value
 */
export function chooseOption(select, value) {
  for (const option of Array.from(/** @type {HTMLCollectionOf<HTMLOptionElement>} */ (select.children))) {
    if (option.getAttribute("value") === value) option.setAttribute("selected", "");
    else option.removeAttribute("selected");
  }
}

/**
 * Replaces a <select>'s options, keeping the chosen value when it is still offered.
 * UXP: "<option> tags must have a value attribute" (known-issues.md).
 * @param {Document} page
 * @param {HTMLSelectElement} target
 * @param {[string, string][]} options  [value, label]
 * @param {string} [fallback]  chosen when the old value is gone
 */
export function setOptions(page, target, options, fallback = options[0]?.[0] ?? "") {
  const wanted = target.value;
  target.innerHTML = "";
  for (const [value, label] of options) {
    const option = page.createElement("option");
    option.setAttribute("value", value);
    option.textContent = label;
    target.appendChild(option);
  }
  chooseOption(target, options.some(([value]) => value === wanted) ? wanted : fallback);
}
