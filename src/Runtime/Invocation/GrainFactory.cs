using OrleansTenants.Runtime.Directory;

namespace OrleansTenants.Runtime.Invocation;

/// <summary>Grain references for silos and clients alike; only the invoker behind them differs.</summary>
internal sealed class GrainFactory(GrainTypeRegistry registry, IGrainCallInvoker invoker) : IGrainFactory
{
    public TGrainInterface GetGrain<TGrainInterface>(string key)
        where TGrainInterface : IGrainWithStringKey
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var grainType = registry.GetByInterface(typeof(TGrainInterface));
        return GrainProxy.Create<TGrainInterface>(new GrainId(grainType.Name, key), grainType, invoker);
    }
}
