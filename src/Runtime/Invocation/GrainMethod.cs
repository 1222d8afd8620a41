using System.Reflection;

namespace OrleansTenants.Runtime.Invocation;

/// <summary>One method of a grain interface, with everything needed to call it locally or over the wire.</summary>
internal sealed class GrainMethod
{
    public GrainMethod(MethodInfo interfaceMethod)
    {
        InterfaceMethod = interfaceMethod;
        var parameters = interfaceMethod.GetParameters();
        HasCancellation = parameters.Length > 0 && parameters[^1].ParameterType == typeof(CancellationToken);
        ArgumentTypes = [.. parameters.Take(HasCancellation ? parameters.Length - 1 : parameters.Length).Select(p => p.ParameterType)];
        Name = $"{interfaceMethod.Name}({string.Join(",", ArgumentTypes.Select(t => t.Name))})";
        Interleave = interfaceMethod.IsDefined(typeof(AlwaysInterleaveAttribute), inherit: true);
        Idempotent = interfaceMethod.IsDefined(typeof(IdempotentAttribute), inherit: true);
        ResultType = GrainResultAdapter.GetResultType(interfaceMethod.ReturnType, interfaceMethod);
        Invoke = GrainMethodInvoker.Compile(interfaceMethod, ArgumentTypes, HasCancellation);
        AdaptResult = GrainResultAdapter.Create(interfaceMethod.ReturnType);
    }

    /// <summary>Name and argument types: unique within the interface, stable across processes.</summary>
    public string Name { get; }

    public MethodInfo InterfaceMethod { get; }

    public IReadOnlyList<Type> ArgumentTypes { get; }

    public bool HasCancellation { get; }

    public bool Interleave { get; }

    public bool Idempotent { get; }

    /// <summary>The type a successful call yields, or null for Task/ValueTask.</summary>
    public Type? ResultType { get; }

    /// <summary>Calls the method on a grain instance and awaits it, boxing the result.</summary>
    public Func<object, object?[], CancellationToken, Task<object?>> Invoke { get; }

    /// <summary>Turns the runtime's <c>Task&lt;object?&gt;</c> into the declared return type for the proxy.</summary>
    public Func<Task<object?>, object> AdaptResult { get; }
}
