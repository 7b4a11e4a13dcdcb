/**
 * `npm run temporal:setup`: registers Ordo's search attributes on the cluster at TEMPORAL_ADDRESS
 * (the embedded dev server registers them itself). Safe to run again.
 */
import { SearchAttributeType } from '@temporalio/common';
import { loadConfig } from '../runtime/config.js';
import { runMain } from '../runtime/process.js';
import { connectClient, temporalConnectionOptions } from '../runtime/temporal.js';
import { ORDO_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';

// Values of temporal.api.enums.v1.IndexedValueType.
const INDEXED_VALUE_TYPE: Record<string, number> = {
  [SearchAttributeType.TEXT]: 1,
  [SearchAttributeType.KEYWORD]: 2,
  [SearchAttributeType.INT]: 3,
  [SearchAttributeType.DOUBLE]: 4,
  [SearchAttributeType.BOOL]: 5,
  [SearchAttributeType.DATETIME]: 6,
  [SearchAttributeType.KEYWORD_LIST]: 7,
};

runMain(async () => {
  const config = loadConfig();
  if (!config.TEMPORAL_ADDRESS) throw new Error('Set TEMPORAL_ADDRESS to the cluster to set up');
  const client = await connectClient(temporalConnectionOptions(config, config.TEMPORAL_ADDRESS), config.TEMPORAL_NAMESPACE);
  const existing = await client.connection.operatorService.listSearchAttributes({ namespace: config.TEMPORAL_NAMESPACE });
  const missing = ORDO_SEARCH_ATTRIBUTES.filter((k) => !(k.name in (existing.customAttributes ?? {})));
  if (missing.length > 0) {
    await client.connection.operatorService.addSearchAttributes({
      namespace: config.TEMPORAL_NAMESPACE,
      searchAttributes: Object.fromEntries(missing.map((k) => [k.name, INDEXED_VALUE_TYPE[k.type]!])),
    });
  }
  console.log(missing.length ? `Registered ${missing.map((k) => k.name).join(', ')}` : 'All search attributes already registered');
  await client.connection.close();
});
