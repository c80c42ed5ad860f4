export * from 'switchboard-sdk';
