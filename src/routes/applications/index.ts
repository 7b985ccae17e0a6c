// The admin API's application endpoints (issue 14), one per file; the route table (../index.ts) mounts them.
export { create } from './create-application.js';
export { list } from './list-applications.js';
export { show } from './show-application.js';
export { update } from './update-application.js';
export { addKey } from './rotate-key.js';
export { revoke } from './revoke-key.js';
