/**
 * The fixed monthly cost of a stack's network placement (issue #20), before data processing: what
 * `create` mode builds (NAT gateway + its address, interface endpoints in two zones). `existing`
 * mode creates nothing billable (the bank's NAT and endpoints are on the network team's bill);
 * `none` has no network. A month is 30 days, as in `cost.ts`.
 */
import { interfaceServices, type NetworkConfig } from "../../components/network-config.js";
import { PRICES } from "./prices.js";

const NETWORK_PRICES = PRICES.vpc;

const HOURS = 30 * 24;

export interface NetworkCost {
  natUsd: number;
  endpointsUsd: number;
  totalUsd: number;
  /** USD per GB that crosses the NAT gateway / the interface endpoints (on top of the fixed part). */
  natPerGbUsd: number;
  endpointPerGbUsd: number;
}

export function networkMonthlyCost(network: NetworkConfig, hasGlueJobs: boolean): NetworkCost {
  if (network.mode !== "create") {
    return { natUsd: 0, endpointsUsd: 0, totalUsd: 0, natPerGbUsd: 0, endpointPerGbUsd: 0 };
  }
  const natUsd = network.egress
    ? HOURS * (NETWORK_PRICES.natGatewayPerHour + NETWORK_PRICES.publicIpv4PerHour)
    : 0;
  const endpointsUsd =
    interfaceServices(hasGlueJobs).length *
    network.availabilityZones.length *
    HOURS *
    NETWORK_PRICES.interfaceEndpointPerAzHour;
  return {
    natUsd: round(natUsd),
    endpointsUsd: round(endpointsUsd),
    totalUsd: round(natUsd + endpointsUsd),
    natPerGbUsd: network.egress ? NETWORK_PRICES.natGatewayPerGbProcessed : 0,
    endpointPerGbUsd: NETWORK_PRICES.interfaceEndpointPerGbProcessed,
  };
}

const round = (usd: number) => Math.round(usd * 100) / 100;
