/** The shape of an account id: pure, so route contracts (built in Node too) can share it. */
export const ACCOUNT_ID = /^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$/;
