using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Messaging;

namespace RlhfPlatform.Silo.Clustering;

/// <summary>For clients (the api role): the gateways of the cluster's active silos, from the membership table.</summary>
public sealed class PostgresGatewayListProvider(PostgresMembershipTable table, IOptions<GatewayOptions> gateway) : IGatewayListProvider
{
    public TimeSpan MaxStaleness { get; } = gateway.Value.GatewayListRefreshPeriod;

    public bool IsUpdatable => true;

    public Task InitializeGatewayListProvider() => table.InitializeMembershipTable(tryInitTableVersion: false);

    public async Task<IList<Uri>> GetGateways()
    {
        var all = await table.ReadAll();
        return all.Members
            .Select(m => m.Item1)
            .Where(m => m.Status == SiloStatus.Active && m.ProxyPort > 0)
            .Select(m => SiloAddress.New(m.SiloAddress.Endpoint.Address, m.ProxyPort, m.SiloAddress.Generation).ToGatewayUri())
            .ToList();
    }
}
