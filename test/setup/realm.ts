// placeholder, filled after the smoke test shows what oidc-provider needs
export {};
