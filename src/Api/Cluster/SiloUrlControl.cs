using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Orleans.Providers;

namespace OrleansTenants.Api.Cluster;

/// <summary>
/// Answers, on each silo, where its HTTP API is: the cluster view asks every silo through Orleans' management grain
/// (the membership table knows silo and gateway endpoints, not web addresses, and a silo's port may be picked at start).
/// </summary>
public sealed class SiloUrlControl(IServer server, IHostApplicationLifetime lifetime, ILocalSiloDetails silo) : IControllable
{
    public const string ProviderName = "silo-url";
    public const int DescribeCommand = 1;

    public Task<object?> ExecuteCommand(int command, object? arg) => command == DescribeCommand
        ? Task.FromResult<object?>(new SiloUrl(silo.SiloAddress.ToParsableString(), PublicUrl()))
        : throw new ArgumentException($"Command {command} is not a command of {ProviderName}.");

    private string? PublicUrl()
    {
        // A silo is an active member before its web server listens; until then the addresses are the configured ones
        // (port 0 among them), not where it can be reached, and no answer is better than a wrong one.
        if (!lifetime.ApplicationStarted.IsCancellationRequested)
        {
            return null;
        }

        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        // A wildcard bind is reachable on loopback: advertise that rather than an address nobody can dial.
        return address?
            .Replace("://[::]", "://localhost", StringComparison.Ordinal)
            .Replace("://0.0.0.0", "://localhost", StringComparison.Ordinal)
            .Replace("://+", "://localhost", StringComparison.Ordinal)
            .Replace("://*", "://localhost", StringComparison.Ordinal);
    }
}

/// <summary>A silo (as <see cref="SiloAddress.ToParsableString"/>) and its public base URL, if its web server is listening.</summary>
[GenerateSerializer]
[Immutable]
[Alias("OrleansTenants.SiloUrl")]
public sealed record SiloUrl(string SiloAddress, string? Url);
