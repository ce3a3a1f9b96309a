namespace MemoryRetention.Analyzers.Tests.Verifiers
{
    /// <summary>Named sets of framework packages for test compilations.</summary>
    public static class Packages
    {
        public static readonly string[] Hosting =
        {
            "Microsoft.Extensions.Hosting.Abstractions", "Microsoft.Extensions.DependencyInjection.Abstractions",
            "Microsoft.Extensions.Logging.Abstractions", "Microsoft.Extensions.Options", "Microsoft.Extensions.Primitives",
            "Microsoft.Extensions.Configuration.Abstractions", "Microsoft.Extensions.FileProviders.Abstractions",
            "Microsoft.Extensions.Diagnostics.Abstractions",
        };

        public static readonly string[] Hangfire = { "Hangfire.Core" };
        public static readonly string[] Quartz = { "Quartz" };
        public static readonly string[] MassTransit = { "MassTransit", "MassTransit.Abstractions" };
        public static readonly string[] Rebus = { "Rebus" };
        public static readonly string[] MediatR = { "MediatR" };
        public static readonly string[] Mediator = { "Mediator.Abstractions" };
        public static readonly string[] Wolverine = { "WolverineFx", "JasperFx" };
        public static readonly string[] Coravel = { "Coravel" };
        public static readonly string[] WebJobs = { "Microsoft.Azure.WebJobs", "Microsoft.Azure.WebJobs.Core" };
        public static readonly string[] Cap = { "DotNetCore.CAP" };
        public static readonly string[] RabbitMQ = { "RabbitMQ.Client" };
        public static readonly string[] Kafka = { "Confluent.Kafka" };
        public static readonly string[] Akka = { "Akka", "Akka.Persistence" };
        public static readonly string[] Orleans = { "Microsoft.Orleans.Core.Abstractions", "Microsoft.Orleans.Reminders", "Microsoft.Orleans.Streaming", "Microsoft.Orleans.Serialization.Abstractions" };
        public static readonly string[] Caching = { "Microsoft.Extensions.Caching.Abstractions", "Microsoft.Extensions.Caching.Memory" };
        public static readonly string[] RecyclableMemoryStream = { "Microsoft.IO.RecyclableMemoryStream" };
        public static readonly string[] ObjectPool = { "Microsoft.Extensions.ObjectPool" };
        public static readonly string[] EntityFramework = { "Microsoft.EntityFrameworkCore", "Microsoft.EntityFrameworkCore.Abstractions" };
        public static readonly string[] Dataflow = { "System.Threading.Tasks.Dataflow" };
        public static readonly string[] RuntimeCaching = { "System.Runtime.Caching" };
        public static readonly string[] SystemEvents = { "Microsoft.Win32.SystemEvents" };
        public static readonly string[] DependencyInjection = { "Microsoft.Extensions.DependencyInjection", "Microsoft.Extensions.DependencyInjection.Abstractions" };
        public static readonly string[] Logging =
        {
            "Microsoft.Extensions.Logging", "Microsoft.Extensions.Logging.Abstractions", "Microsoft.Extensions.DependencyInjection",
            "Microsoft.Extensions.DependencyInjection.Abstractions", "Microsoft.Extensions.Options", "Microsoft.Extensions.Primitives",
        };
        public static readonly string[] Configuration =
        {
            "Microsoft.Extensions.Configuration", "Microsoft.Extensions.Configuration.FileExtensions", "Microsoft.Extensions.Configuration.Json",
            "Microsoft.Extensions.Configuration.Abstractions", "Microsoft.Extensions.FileProviders.Abstractions", "Microsoft.Extensions.Primitives",
        };
        public static readonly string[] Diagnostics = { "Microsoft.Extensions.Diagnostics" };
        public static readonly string[] Npgsql = { "Npgsql" };

        /// <summary>Combines sets: <c>Packages.Of(Packages.Hosting, Packages.Quartz)</c>.</summary>
        public static string[] Of(params string[][] sets)
        {
            var list = new System.Collections.Generic.List<string>();
            foreach (var set in sets)
            {
                list.AddRange(set);
            }

            return list.ToArray();
        }
    }
}
