namespace MemoryRetention.Analyzers.Tests.Verifiers
{
    /// <summary>
    /// Source stubs, with the exact metadata names, for the frameworks the package registry does not serve
    /// (NServiceBus; the Azure Functions isolated worker). Every other framework comes from its real package.
    /// </summary>
    public static class Stubs
    {
        public const string NServiceBus = @"
namespace NServiceBus
{
    using System;
    using System.Threading.Tasks;
    public interface IMessageHandlerContext { }
    public interface IHandleMessages { }
    public interface IHandleMessages<T> : IHandleMessages { Task Handle(T message, IMessageHandlerContext context); }
    public interface IHandleTimeouts<T> { Task Timeout(T state, IMessageHandlerContext context); }
    public interface IAmStartedByMessages<T> : IHandleMessages<T> { }
    [AttributeUsage(AttributeTargets.Class, Inherited = false)]
    public sealed class HandlerAttribute : Attribute { }
}
";

        public const string AzureFunctionsWorker = @"
namespace Microsoft.Azure.Functions.Worker.Extensions.Abstractions
{
    using System;
    [AttributeUsage(AttributeTargets.Parameter | AttributeTargets.Method | AttributeTargets.Property | AttributeTargets.ReturnValue)]
    public abstract class BindingAttribute : Attribute { }
    [AttributeUsage(AttributeTargets.Parameter)]
    public abstract class TriggerBindingAttribute : BindingAttribute { }
}
namespace Microsoft.Azure.Functions.Worker
{
    using System;
    [AttributeUsage(AttributeTargets.Method)]
    public class FunctionAttribute : Attribute { public FunctionAttribute(string name) { Name = name; } public string Name { get; } }
    public abstract class FunctionContext { }
    public sealed class TimerTriggerAttribute : Microsoft.Azure.Functions.Worker.Extensions.Abstractions.TriggerBindingAttribute { public TimerTriggerAttribute(string schedule) { } }
    public sealed class QueueTriggerAttribute : Microsoft.Azure.Functions.Worker.Extensions.Abstractions.TriggerBindingAttribute { public QueueTriggerAttribute(string queueName) { } }
}
";
    }
}
