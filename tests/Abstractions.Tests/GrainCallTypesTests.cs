using System.Reflection;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using OrleansTenants.Abstractions.Moves;
using OrleansTenants.Abstractions.Tenants;
using Xunit;

namespace OrleansTenants.Abstractions.Tests;

/// <summary>
/// What crosses a grain call, or is stored as grain state, goes through Orleans' serializer: each type keeps a stable
/// alias (so moving a type to another namespace or assembly breaks neither the wire nor stored state) and round-trips.
/// </summary>
public sealed class GrainCallTypesTests
{
    private static readonly Serializer Serializer = new ServiceCollection()
        .AddSerializer(builder => builder.AddAssembly(typeof(ITenantGrain).Assembly))
        .BuildServiceProvider()
        .GetRequiredService<Serializer>();

    public static TheoryData<Type> SerializableTypes() =>
        [.. typeof(ITenantGrain).Assembly.GetTypes().Where(t => t.GetCustomAttribute<GenerateSerializerAttribute>() is not null)];

    [Theory]
    [MemberData(nameof(SerializableTypes))]
    public void Every_serializable_type_has_a_stable_alias_of_the_product(Type type)
    {
        type.GetCustomAttribute<AliasAttribute>().Should().NotBeNull($"{type.Name} needs an [Alias]")
            .And.Subject.As<AliasAttribute>().Alias.Should().StartWith("OrleansTenants.");
    }

    [Fact]
    public void The_grain_interfaces_and_their_methods_have_aliases()
    {
        foreach (var grain in new[] { typeof(ITenantGrain), typeof(ITenantMoveGrain) })
        {
            grain.GetCustomAttribute<AliasAttribute>().Should().NotBeNull(grain.Name);
            grain.GetMethods().Where(m => m.GetCustomAttribute<AliasAttribute>() is null).Should().BeEmpty(grain.Name);
        }
    }

    [Fact]
    public void A_tenant_result_round_trips_with_its_body_and_field_errors()
    {
        var result = new TenantResult(
            TenantOutcome.Invalid,
            "{\"name\":null}"u8.ToArray(),
            Guid.NewGuid(),
            "the request is invalid",
            new Dictionary<string, string[]> { ["name"] = ["is required"] },
            RetryAfterSeconds: 3,
            Replayed: true);

        RoundTrip(result).Should().BeEquivalentTo(result);
    }

    [Fact]
    public void A_move_round_trips_with_its_verification_and_progress()
    {
        var move = new TenantMove(
            Guid.NewGuid(), "acme", "shared", "demo-shared", "dedicated", "tenant-acme", TenantMoveStatuses.Completed, 42, null,
            DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow,
            [new TableVerification("accounts", 40, 40, "123456789012345678901", "123456789012345678901")],
            TenantMoveModes.Online, TenantMovePhases.CleaningUp, 1024, 312.5, 0.2, [new TableRows("accounts", 40)]);

        RoundTrip(move).Should().BeEquivalentTo(move);
        RoundTrip(new TenantHealth(true, true, true, 1.5, null)).Should().Be(new TenantHealth(true, true, true, 1.5, null));
    }

    [Fact]
    public void A_move_job_state_round_trips()
    {
        var job = new TenantMoveJob { TenantId = "acme", Phase = TenantMoveJobPhase.Running, Attempts = 2, UpdatedAt = DateTimeOffset.UtcNow };

        RoundTrip(job).Should().BeEquivalentTo(job);
    }

    private static T RoundTrip<T>(T value) => Serializer.Deserialize<T>(Serializer.SerializeToArray(value))!;
}
