using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Core;

namespace OrleansTenants.Api.Tests.Fuzz;

/// <summary>
/// How much the fuzz properties run: a fixed seed and a small budget in every <c>dotnet test</c>; a campaign sets
/// <c>FUZZ_CASES</c> (cases per property) and <c>FUZZ_SEED</c>. A failure reports the seed to replay it with.
/// </summary>
internal static class FuzzSettings
{
    public const ulong DefaultSeed = 20_260_113;

    public static ulong Seed { get; } = ulong.TryParse(Environment.GetEnvironmentVariable("FUZZ_SEED"), NumberStyles.None, CultureInfo.InvariantCulture, out var seed)
        ? seed
        : DefaultSeed;

    /// <summary>Cases per property: <c>FUZZ_CASES</c>, or the property's own fixed budget.</summary>
    public static int Cases(int budget) =>
        int.TryParse(Environment.GetEnvironmentVariable("FUZZ_CASES"), NumberStyles.None, CultureInfo.InvariantCulture, out var cases) && cases > 0
            ? cases
            : budget;

    /// <summary>
    /// Runs an asynchronous property over generated cases, one at a time (each case asserts on the database's state
    /// around it). FsCheck waits on each case's task, so it runs off xunit's synchronization context.
    /// </summary>
    public static Task CheckAsync<T>(string name, int budget, Gen<T> cases, Func<T, Task> property)
    {
        var config = Config.QuickThrowOnFailure
            .WithName(name)
            .WithMaxTest(Cases(budget))
            .WithQuietOnSuccess(true)
            .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(Seed), FSharpOption<int>.None)));
        return Task.Run(() => Check.One(config, Prop.ForAll(Arb.From(cases), property)));
    }
}
