/**
 * What an openrtbSsp request says for all of its imps: test traffic (params.test) and the publisher's account
 * (params.publisherId, as site/app/dooh.publisher.id). Ad units that differ in them go in requests of their own, so
 * that each is sent as its own params say, however maxImpsPerRequest splits them.
 */
import { isNonEmptyString } from './config.js';

/** The ad units grouped by those params, each group and the groups in the order of the ad units. */
export function requestGroups<B extends { params: { test?: unknown; publisherId?: unknown } }>(bidRequests: B[]): B[][] {
  const groups = new Map<string, B[]>();
  for (const bidRequest of bidRequests) {
    const { test, publisherId } = bidRequest.params;
    const key = JSON.stringify([test === true, isNonEmptyString(publisherId) ? publisherId : null]);
    const group = groups.get(key);
    if (group) group.push(bidRequest);
    else groups.set(key, [bidRequest]);
  }
  return [...groups.values()];
}
