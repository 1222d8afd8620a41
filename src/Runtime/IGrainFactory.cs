namespace OrleansTenants.Runtime;

/// <summary>Hands out references to grains. A reference is cheap, works from silos and clients alike, and activates nothing by itself.</summary>
public interface IGrainFactory
{
    TGrainInterface GetGrain<TGrainInterface>(string key)
        where TGrainInterface : IGrainWithStringKey;
}
