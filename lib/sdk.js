// `switchboard/sdk` is the separately published SDK package, re-exported so plugins written
// against the agent package keep working.
export * from 'switchboard-sdk';
