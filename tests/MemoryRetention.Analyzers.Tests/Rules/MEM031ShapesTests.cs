using System.Threading.Tasks;
using MemoryRetention.Analyzers.Tests.Verifiers;
using Xunit;

namespace MemoryRetention.Analyzers.Tests.Rules
{
    /// <summary>MEM031/MEM032 shapes from the recall issue: Hangfire's shutdown token, singleton invocables and jobs.</summary>
    public class MEM031ShapesTests
    {
        [Fact]
        public Task HangfireShutdownToken_InJobClassesThatImplementNothing()
            => VerifyHandles.DiagnosticsAsync(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using Hangfire;
using Hangfire.Server;

public sealed class Export
{
    public async Task Run(PerformContext context, IJobCancellationToken token)
    {
        var rows = new byte[4096];
        {|MEM031:token.ShutdownToken.Register(() => Console.WriteLine(rows.Length))|};
        var linked = {|MEM032:CancellationTokenSource.CreateLinkedTokenSource(token.ShutdownToken)|};
        await Task.Delay(10, linked.Token);
    }
}", Packages.Hangfire);

        [Fact]
        public Task RegistrationsPerRun_OnTokensOfSingletonInvocablesAndJobs()
            => VerifyHandles.DiagnosticsAsync(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using Coravel.Invocable;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

public sealed class Heartbeat : IInvocable
{
    private readonly CancellationTokenSource _stopping = new CancellationTokenSource();

    public Task Invoke()
    {
        var payload = new byte[1024];
        {|MEM031:_stopping.Token.Register(() => Console.WriteLine(payload.Length))|};
        return Task.CompletedTask;
    }
}

public sealed class ReportJob : IJob
{
    private readonly CancellationTokenSource _shutdown = new CancellationTokenSource();

    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var linked = {|MEM032:CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token, cancellationToken)|};
        return default;
    }
}

public static class Registrations
{
    public static void Add(IServiceCollection services)
    {
        services.AddSingleton<Heartbeat>();      // one instance for the process: its token source too
        services.AddSingleton<ReportJob>();
    }
}", Packages.Of(Packages.Coravel, Packages.Quartz, Packages.Hosting));

        [Fact]
        public Task TokensThatDieWithTheRun_AreNotFlagged()
            => VerifyHandles.DiagnosticsAsync(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using Coravel.Invocable;
using Hangfire;
using Quartz;

public sealed class Heartbeat : IInvocable
{
    private readonly CancellationTokenSource _stopping = new CancellationTokenSource();   // a transient invocable: dies with the run

    public Task Invoke()
    {
        _stopping.Token.Register(() => Console.WriteLine(""stop""));
        return Task.CompletedTask;
    }
}

public sealed class ReportJob : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        cancellationToken.Register(() => Console.WriteLine(""cancelled""));              // the run's own token
        context.CancellationToken.Register(() => Console.WriteLine(""cancelled""));
        return default;
    }
}

public sealed class Export
{
    public void Run(IJobCancellationToken token)
    {
        using var registration = token.ShutdownToken.Register(() => Console.WriteLine(""stop""));   // disposed
    }
}", Packages.Of(Packages.Coravel, Packages.Quartz, Packages.Hangfire));

        [Fact]
        public Task CoravelSchedulerToken_RegisteredPerRun_IsFlaggedAndFixed()
            => VerifyHandles.FixAsync(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using Coravel.Invocable;

public sealed class Export : IInvocable, ICancellableInvocable
{
    public CancellationToken CancellationToken { get; set; }

    public async Task Invoke()
    {
        var rows = new byte[4096];
        {|MEM031:CancellationToken.Register(() => Console.WriteLine(rows.Length))|};   // the scheduler's token: one for the process
        await Task.Delay(10);
    }
}", @"
using System;
using System.Threading;
using System.Threading.Tasks;
using Coravel.Invocable;

public sealed class Export : IInvocable, ICancellableInvocable
{
    public CancellationToken CancellationToken { get; set; }

    public async Task Invoke()
    {
        var rows = new byte[4096];
        using var cancellationTokenRegistration = CancellationToken.Register(() => Console.WriteLine(rows.Length));   // the scheduler's token: one for the process
        await Task.Delay(10);
    }
}", Packages.Coravel);

        [Fact]
        public Task CoravelTokens_LookAlikes_AreNotFlagged()
            => VerifyHandles.DiagnosticsAsync(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using Coravel.Invocable;
using Coravel.Queuing.Interfaces;

public sealed class Export : IInvocable, ICancellableInvocable
{
    public CancellationToken CancellationToken { get; set; }

    public async Task Invoke()
    {
        using (CancellationToken.Register(() => Console.WriteLine(""stop""))) { await Task.Delay(10); }   // disposed
    }
}

public sealed class Queued : IInvocable, ICancellableTask
{
    public CancellationToken Token { get; set; }                  // the queue's source, one per queued item

    public Task Invoke()
    {
        Token.Register(() => Console.WriteLine(""cancelled""));
        return Task.CompletedTask;
    }
}

public sealed class Plain : IInvocable
{
    public CancellationToken CancellationToken { get; set; }      // not Coravel's: nothing says what sets it

    public Task Invoke()
    {
        CancellationToken.Register(() => Console.WriteLine(""cancelled""));
        return Task.CompletedTask;
    }
}", Packages.Coravel);

        [Fact]
        public Task HangfireJobFoundOnlyThroughEnqueue_RegisteredAsASingleton_RegistersOnItsOwnSourcePerRun()
            => VerifyHandles.DiagnosticsAsync(@"
using System;
using System.Threading;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;

public sealed class Report                                                      // implements nothing: a job because it is enqueued
{
    private readonly CancellationTokenSource _stopping = new CancellationTokenSource();

    public void Render(int id)
    {
        var rows = new byte[4096];
        {|MEM031:_stopping.Token.Register(() => Console.WriteLine(rows.Length + id))|};
    }
}

public sealed class Export                                                      // transient: its source dies with the run
{
    private readonly CancellationTokenSource _stopping = new CancellationTokenSource();
    public void Run() => _stopping.Token.Register(() => Console.WriteLine(""stop""));
}

public static class Setup
{
    public static void Register(IServiceCollection services)
    {
        services.AddSingleton<Report>();
        services.AddTransient<Export>();
        BackgroundJob.Enqueue<Report>(job => job.Render(42));
        RecurringJob.AddOrUpdate<Export>(""export"", job => job.Run(), Cron.Daily());
    }
}", Packages.Of(Packages.Hangfire, Packages.Hosting));

        [Fact]
        public Task HangfireJobsPlainCancellationTokenParameter_IsPerJob_NotFlagged()
            => VerifyHandles.DiagnosticsAsync(@"
using System;
using System.Threading;
using System.Threading.Tasks;
using Hangfire;

public sealed class Export
{
    public async Task Run(int id, CancellationToken cancellationToken)           // Hangfire passes a token of its own per job
    {
        cancellationToken.Register(() => Console.WriteLine(id));
        await Task.Delay(10, cancellationToken);
    }
}

public static class Schedules
{
    public static void Enqueue() => BackgroundJob.Enqueue<Export>(job => job.Run(42, CancellationToken.None));
}", Packages.Hangfire);
    }
}
