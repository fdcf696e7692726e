using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Worker = Microsoft.Azure.Functions.Worker;

namespace TracktileFunctions.IntegrationTests.Infrastructure;

/// <summary>
/// An isolated-worker function with a queue trigger: a method marked <see cref="Worker.FunctionAttribute"/> with a
/// parameter marked <see cref="Worker.QueueTriggerAttribute"/>, found by reflection.
/// </summary>
public sealed partial class IsolatedQueueFunction
{
    private IsolatedQueueFunction(string name, MethodInfo method, ParameterInfo triggerParameter, Worker.QueueTriggerAttribute trigger)
    {
        Name = name;
        Method = method;
        TriggerParameter = triggerParameter;
        QueueName = trigger.QueueName;
        Connection = trigger.Connection;
    }

    /// <summary>The function name, from <see cref="Worker.FunctionAttribute"/>.</summary>
    public string Name { get; }

    /// <summary>The function method.</summary>
    public MethodInfo Method { get; }

    /// <summary>The class that declares <see cref="Method"/>.</summary>
    public Type FunctionType => Method.DeclaringType!;

    /// <summary>The parameter that receives the message.</summary>
    public ParameterInfo TriggerParameter { get; }

    /// <summary>The queue name as the attribute gives it: a name, or a <c>%Setting%</c> reference.</summary>
    public string QueueName { get; }

    /// <summary>The attribute's connection setting name, if any (the harness points every connection at Azurite).</summary>
    public string? Connection { get; }

    /// <summary>Every queue-triggered isolated function in <paramref name="assembly"/>, public or not.</summary>
    public static IReadOnlyList<IsolatedQueueFunction> Discover(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var functions = new List<IsolatedQueueFunction>();
        foreach (var type in assembly.GetTypes())
        {
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            {
                if (method.GetCustomAttribute<Worker.FunctionAttribute>() is not { } function)
                {
                    continue;
                }

                foreach (var parameter in method.GetParameters())
                {
                    if (parameter.GetCustomAttribute<Worker.QueueTriggerAttribute>() is { } trigger)
                    {
                        functions.Add(new IsolatedQueueFunction(function.Name, method, parameter, trigger));
                    }
                }
            }
        }

        return functions;
    }

    /// <summary>The queue-triggered function named <paramref name="functionName"/> in <paramref name="assembly"/>.</summary>
    public static IsolatedQueueFunction Find(Assembly assembly, string functionName)
    {
        var functions = Discover(assembly);
        return functions.SingleOrDefault(f => string.Equals(f.Name, functionName, StringComparison.Ordinal))
            ?? throw new InvalidOperationException(
                $"No queue-triggered function named '{functionName}' in {assembly.GetName().Name}. Found: " +
                (functions.Count == 0 ? "none" : string.Join(", ", functions.Select(f => f.Name))) + ".");
    }

    /// <summary>
    /// The real queue name: every <c>%Setting%</c> in <see cref="QueueName"/> replaced by its value from
    /// <paramref name="configuration"/>, as the Functions host does.
    /// </summary>
    public string ResolveQueueName(IConfiguration? configuration) =>
        SettingReference().Replace(QueueName, match =>
        {
            var setting = match.Groups[1].Value;
            var value = configuration?[setting];
            return string.IsNullOrEmpty(value)
                ? throw new InvalidOperationException(
                    $"Function '{Name}' reads its queue name from setting '{setting}', which is not configured " +
                    "(register an IConfiguration that has it in the app services).")
                : value;
        });

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({FunctionType.Name}.{Method.Name}, queue '{QueueName}')";

    [GeneratedRegex("%([^%]+)%", RegexOptions.CultureInvariant)]
    private static partial Regex SettingReference();
}
