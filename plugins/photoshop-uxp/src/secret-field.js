// A password field whose value the panel can read on macOS too. UXP's known issues: "Password
// field values cannot be read on macOS. A workaround for this is to set the type to text on
// focus and switch it back to password on blur." (uxp-api/known-issues.md). The value is taken
// while the field shows text, so it is there when a button is pressed after the field lost focus.

/** @param {HTMLInputElement} input  an <input type="password"> */
export function secretField(input) {
  let typed = "";
  const take = () => {
    if (input.type !== "password") typed = input.value;
  };
  input.addEventListener("focus", () => {
    input.type = "text";
  });
  input.addEventListener("input", take);
  input.addEventListener("change", take);
  input.addEventListener("blur", () => {
    take();
    input.type = "password";
  });
  return {
    /** What the artist typed, trimmed. */
    read() {
      take();
      return typed.trim();
    },
    /** Empties the field: a saved secret is not kept on the page. */
    clear() {
      typed = "";
      input.value = "";
    },
  };
}
