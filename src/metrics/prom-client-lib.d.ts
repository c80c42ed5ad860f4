// The four prom-client classes the agent uses, imported from their own files: prom-client's
// index also loads its default metrics, push gateway and cluster aggregator, and through them
// @opentelemetry/api and Node's cluster module (about 1.2 MiB of heap in every agent process).
// Each file's module.exports is the class the index exports under the same name.

declare module 'prom-client/lib/registry.js' {
  import { Registry } from 'prom-client';
  export default Registry;
}

declare module 'prom-client/lib/counter.js' {
  import { Counter } from 'prom-client';
  export default Counter;
}

declare module 'prom-client/lib/gauge.js' {
  import { Gauge } from 'prom-client';
  export default Gauge;
}

declare module 'prom-client/lib/histogram.js' {
  import { Histogram } from 'prom-client';
  export default Histogram;
}
