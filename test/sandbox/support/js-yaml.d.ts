// js-yaml 3 is in node_modules (through jest's coverage tooling) without type declarations; the tests read the
// CAMARA spec files with it and declare only what they call.
declare module 'js-yaml' {
  export function safeLoad(text: string): unknown;
}
