namespace OrleansTenants.Runtime.Activations;

/// <summary>
/// This silo refused a call before it started: it does not serve (not joined yet, fenced, stopping), or the
/// directory would not let it register the grain. The caller may send the call elsewhere. Distinct from a
/// <see cref="SiloUnavailableException"/> a grain method throws from a call of its own, after it started.
/// </summary>
internal sealed class NotServingException(string message) : Exception(message);
