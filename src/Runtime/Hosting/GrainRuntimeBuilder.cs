using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.DependencyInjection;
using OrleansTenants.Runtime.Invocation;
using OrleansTenants.Runtime.Messaging;

namespace OrleansTenants.Runtime.Hosting;

/// <summary>Registers grains and serialization metadata with a silo or a cluster client.</summary>
public sealed class GrainRuntimeBuilder(IServiceCollection services)
{
    public IServiceCollection Services { get; } = services;

    public GrainRuntimeBuilder AddGrain<TGrainInterface, TGrain>()
        where TGrainInterface : IGrainWithStringKey
        where TGrain : Grain, TGrainInterface
    {
        Services.AddSingleton(new GrainRegistration(typeof(TGrainInterface), typeof(TGrain)));
        return this;
    }

    /// <summary>A source-generated JSON context for the types grain methods take and return.</summary>
    public GrainRuntimeBuilder AddJsonTypeInfo(IJsonTypeInfoResolver resolver)
    {
        Services.Configure<GrainSerializationOptions>(o => o.TypeInfoResolvers.Add(resolver));
        return this;
    }
}
