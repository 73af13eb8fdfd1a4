// Loads the form client (ppr-core in wasm, built into /form/ by
// scripts/build-form-client) on the pages that have forms. The forms work without it.
import init from "/form/ppr_form.js";

init().catch(() => {
  // Without the client the form still posts and the server checks everything.
});
