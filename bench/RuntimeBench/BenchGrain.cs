using System.Text.Json;
using System.Text.Json.Serialization;
using OrleansTenants.Runtime;

namespace OrleansTenants.RuntimeBench;

/// <summary>The argument of every measured call; the echo endpoint receives the same shape.</summary>
public sealed record BenchRequest(long Seq, string Text);

/// <summary>The answer of every measured call; the echo endpoint answers the same shape and size.</summary>
public sealed record BenchReply(long Seq, string Text);

/// <summary>The grain call envelope as the runtime writes it (GrainCallRequest): the echo client posts this shape too.</summary>
public sealed record EchoEnvelope(string Grain, string Method, int Hops, IReadOnlyList<BenchRequest> Args);

public interface IBenchGrain : IGrainWithStringKey
{
    /// <summary>Exclusive (not interleaving), as a grain method is by default: what a typical call costs.</summary>
    Task<BenchReply> EchoAsync(BenchRequest request);

    /// <summary>Which silo holds this activation: lets the bench place keys and check that "local" really is local.</summary>
    [AlwaysInterleave]
    Task<string> WhereAsync();
}

/// <summary>Names the silo a grain was activated on; registered in each silo's container.</summary>
public sealed record SiloTag(string Name);

/// <summary>Does no work, so the numbers are the runtime's cost, not the grain's.</summary>
public sealed class BenchGrain(SiloTag silo) : Grain, IBenchGrain
{
    public Task<BenchReply> EchoAsync(BenchRequest request) => Task.FromResult(new BenchReply(request.Seq, request.Text));

    public Task<string> WhereAsync() => Task.FromResult(silo.Name);
}

/// <summary>Source-generated metadata, used identically by the grain runtime, the echo endpoint and the echo client.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(BenchRequest))]
[JsonSerializable(typeof(BenchReply))]
[JsonSerializable(typeof(EchoEnvelope))]
[JsonSerializable(typeof(string))]
public sealed partial class BenchJsonContext : JsonSerializerContext;
