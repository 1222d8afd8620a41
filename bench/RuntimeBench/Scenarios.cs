using OrleansTenants.Runtime;

namespace OrleansTenants.RuntimeBench;

/// <summary>
/// The measured scenarios. Every grain call carries the same <see cref="BenchRequest"/> and checks the same
/// <see cref="BenchReply"/>; grains are activated before their scenario starts, except in the activation one.
/// </summary>
internal sealed class Scenarios(BenchCluster cluster, EchoServer echo, Timing timing, HostMetrics metrics, CancellationToken cancellationToken)
{
    /// <summary>64 characters of text: with the sequence number, a reply body of about 85 bytes.</summary>
    public static readonly string Text = new('x', 64);

    public const string EchoMethod = "EchoAsync(BenchRequest)";

    /// <summary>The same scenarios with other warm-up and duration (for interleaved rounds).</summary>
    public Scenarios With(Timing other) => new(cluster, echo, other, metrics, cancellationToken);

    public const string LocalPath = "silo A → silo A (in-process)";
    public const string ClientPath = "client → silo B, HTTP/2";
    public const string EchoPath = "HttpClient → Kestrel, HTTP/2";
    public const string ActivationPath = "silo A, first call of a fresh key";

    public Task<Measurement> LocalAsync(IReadOnlyList<string> keys, int callers) =>
        LoadRunner.MeasureAsync(callers, timing, metrics, caller =>
        {
            var grain = cluster.SiloAFactory.GetGrain<IBenchGrain>(keys[caller % keys.Count]);
            return seq => CallAsync(grain, seq);
        }, cancellationToken);

    public Task<Measurement> ClientAsync(IReadOnlyList<string> keys, int callers) =>
        LoadRunner.MeasureAsync(callers, timing, metrics, caller =>
        {
            var grain = cluster.ClientFactory.GetGrain<IBenchGrain>(keys[caller % keys.Count]);
            return seq => CallAsync(grain, seq);
        }, cancellationToken);

    /// <param name="connections">HTTP clients (each with its own connection) the callers are spread over; the runtime uses one.</param>
    public async Task<Measurement> EchoAsync(int callers, int connections = 1)
    {
        var clients = Enumerable.Range(0, connections).Select(_ => new EchoClient(echo.Endpoint, echo.Secret)).ToList();
        try
        {
            return await LoadRunner.MeasureAsync(callers, timing, metrics, caller =>
            {
                var client = clients[caller % clients.Count];
                var grainId = $"bench/client-{caller}";
                return async seq =>
                {
                    var reply = await client.CallAsync(new EchoEnvelope(grainId, EchoMethod, 0, [new BenchRequest(seq, Text)]), cancellationToken);
                    Check(reply, seq);
                };
            }, cancellationToken);
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    /// <summary>Every call goes to a key never used before: it activates the grain, which registers in the PostgreSQL directory.</summary>
    public Task<Measurement> ActivationAsync(int callers) =>
        LoadRunner.MeasureAsync(
            callers, timing, metrics, caller => seq => CallAsync(cluster.SiloAFactory.GetGrain<IBenchGrain>($"fresh-{caller}-{seq}"), seq), cancellationToken);

    /// <summary>Keys whose activations live on <paramref name="silo"/>, found by asking each grain where it lives.</summary>
    public static async Task<List<string>> KeysOnAsync(IGrainFactory factory, string prefix, string silo, int count, int maxProbes = 10_000)
    {
        var keys = new List<string>();
        for (var i = 0; keys.Count < count && i < maxProbes; i++)
        {
            var key = $"{prefix}-{i}";
            if (await factory.GetGrain<IBenchGrain>(key).WhereAsync() == silo)
            {
                keys.Add(key);
            }
        }

        return keys.Count == count ? keys : throw new InvalidOperationException($"Found only {keys.Count} of {count} keys on {silo}.");
    }

    private static async Task CallAsync(IBenchGrain grain, long seq) => Check(await grain.EchoAsync(new BenchRequest(seq, Text)), seq);

    private static void Check(BenchReply reply, long seq)
    {
        if (reply.Seq != seq || reply.Text.Length != Text.Length)
        {
            throw new InvalidOperationException($"Call {seq} was answered with the reply to call {reply.Seq}.");
        }
    }
}
