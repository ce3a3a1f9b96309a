using System.Threading.Tasks;
using MemoryRetention.Analyzers.Tests.Verifiers;
using Xunit;

namespace MemoryRetention.Analyzers.Tests.Rules
{
    /// <summary>MEM002 shapes from the recall issue: Akka ReceiveActor handlers, closed key sets, observer sets.</summary>
    public class MEM002ShapesTests
    {
        [Fact]
        public Task AkkaReceiveActor_LambdasAndMethodGroupsRegisteredInTheConstructor_AreHandlers()
            => VerifyCollections.DiagnosticsAsync(@"
using System.Collections.Generic;
using System.Threading.Tasks;
using Akka.Actor;
using Akka.Persistence;

public sealed class Seen { public string Id { get; set; } }

public sealed class Tracker : ReceiveActor
{
    private readonly List<string> _ids = new List<string>();
    private readonly Dictionary<string, int> _counts = new Dictionary<string, int>();
    private readonly HashSet<string> _async = new HashSet<string>();
    private readonly List<object> _any = new List<object>();

    public Tracker()
    {
        _ids.Add(""seed"");                                     // construction: once
        Receive<Seen>(m => {|MEM002:_ids.Add(m.Id)|});
        Receive<string>(OnText);
        ReceiveAsync<int>(async n => { {|MEM002:_async.Add(n.ToString())|}; await Task.Yield(); });
        ReceiveAny(o => {|MEM002:_any.Add(o)|});
    }

    private void OnText(string s) => {|MEM002:_counts[s] = 1|};
}

public sealed class Journal : ReceivePersistentActor
{
    private readonly List<string> _events = new List<string>();
    private readonly List<string> _commands = new List<string>();
    public override string PersistenceId => ""journal"";

    public Journal()
    {
        Command<string>(c => {|MEM002:_commands.Add(c)|});
        Recover<string>(OnRecover);
    }

    private void OnRecover(string e) => {|MEM002:_events.Add(e)|};
}", Packages.Akka);

        [Fact]
        public Task AkkaReceiveActor_LookAlikes_AreNotFlagged()
            => VerifyCollections.DiagnosticsAsync(@"
using System.Collections.Generic;
using Akka.Actor;

public sealed class Reset { }

public sealed class Tracker : ReceiveActor
{
    private readonly List<string> _ids = new List<string>();
    private readonly List<string> _names = new List<string>();
    private readonly List<string> _seeds = new List<string>();

    public Tracker()
    {
        _seeds.Add(""a"");                                      // construction only
        Receive<string>(s => _ids.Add(s));
        Receive<Reset>(_ => _ids.Clear());                     // bounded by the Reset message
    }

    private void NotRegistered(string s) => _names.Add(s);     // never handed to Receive
}", Packages.Akka);
    
        [Fact]
        public Task ClosedKeySets_AreNotGrowth_KeysFromMessageDataAre()
            => VerifyCollections.DiagnosticsAsync(@"
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

public sealed class Settings { public string Region { get; set; } public string[] Queues { get; set; } }
public enum Direction { North, South }

public sealed class Router : BackgroundService
{
    private static readonly string[] Exits = { ""north"", ""south"", ""east"" };
    private const string Default = ""default"";
    private readonly Dictionary<string, int> _visits = new Dictionary<string, int>();
    private readonly Dictionary<string, int> _byRegion = new Dictionary<string, int>();
    private readonly Dictionary<string, int> _byQueue = new Dictionary<string, int>();
    private readonly Dictionary<Direction, int> _byDirection = new Dictionary<Direction, int>();
    private readonly Dictionary<string, int> _byMessage = new Dictionary<string, int>();
    private readonly Dictionary<System.Type, int> _byType = new Dictionary<System.Type, int>();
    private readonly IOptions<Settings> _options;
    private readonly Queue<string> _inbox = new Queue<string>();

    public Router(IOptions<Settings> options) => _options = options;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            foreach (var exit in Exits)
            {
                _visits[exit] = 0;                                    // a room's exits: a fixed set
            }

            _visits[Default] = 1;
            _byRegion[_options.Value.Region] = 1;                     // configuration
            _byRegion[""region:"" + _options.Value.Region] = 2;
            foreach (var queue in _options.Value.Queues)
            {
                _byQueue[queue] = 0;
            }

            foreach (var direction in System.Enum.GetValues<Direction>())
            {
                _byDirection[direction] = 0;
            }

            var message = _inbox.Peek();
            _byType[message.GetType()] = 1;                           // one entry per type of the program
            {|MEM002:_byMessage[message] = 1|};                     // message data: grows
            await Task.Delay(1000, stoppingToken);
        }
    }
}", Packages.Hosting);

        private const string ChatRoom = @"
using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Orleans;

public interface IChatObserver : IGrainObserver { void Receive(string message); }

public interface IChatRoom : IGrainWithStringKey
{
    Task Join(IChatObserver observer);
    Task Leave(IChatObserver observer);
    Task Send(string message);
}

public sealed class Lobby
{
    // One constant key: one activation of the room for the whole process.
    public static IChatRoom Room(IGrainFactory grains) => grains.GetGrain<IChatRoom>(""lobby"");
}
";

        [Fact]
        public Task ObserverSetShrunkOnlyByAnExplicitUnsubscribe_IsGrowth()
            => VerifyCollections.DiagnosticsAsync(ChatRoom + @"
public sealed class ChatRoomGrain : Grain, IChatRoom
{
    private readonly HashSet<IChatObserver> _observers = new HashSet<IChatObserver>();

    public Task Join(IChatObserver observer)
    {
        {|MEM002:_observers.Add(observer)|};
        return Task.CompletedTask;
    }

    public Task Leave(IChatObserver observer)
    {
        _observers.Remove(observer);                                 // a crashed client never calls it
        return Task.CompletedTask;
    }

    public Task Send(string message)
    {
        foreach (var observer in _observers) observer.Receive(message);
        return Task.CompletedTask;
    }
}", Packages.Orleans);

        [Fact]
        public Task ObserverSetWithCleanupOnFailure_IsNotFlagged()
            => VerifyCollections.DiagnosticsAsync(ChatRoom + @"
public sealed class ChatRoomGrain : Grain, IChatRoom
{
    private readonly HashSet<IChatObserver> _observers = new HashSet<IChatObserver>();

    public Task Join(IChatObserver observer) { _observers.Add(observer); return Task.CompletedTask; }

    public Task Leave(IChatObserver observer) { _observers.Remove(observer); return Task.CompletedTask; }

    public Task Send(string message)
    {
        foreach (var observer in _observers.ToList())
        {
            try { observer.Receive(message); }
            catch (Exception) { _observers.Remove(observer); }        // a dead subscriber is dropped
        }

        return Task.CompletedTask;
    }
}

public sealed class LobbyGrain : Grain, IChatRoom
{
    private readonly HashSet<IChatObserver> _observers = new HashSet<IChatObserver>();

    public Task Join(IChatObserver observer) { _observers.Add(observer); return Task.CompletedTask; }

    public Task Leave(IChatObserver observer) { _observers.Remove(observer); return Task.CompletedTask; }

    public Task Send(string message) => Task.CompletedTask;
}

public sealed class Client
{
    public async Task Chat(IChatRoom room, IChatObserver me)
    {
        await room.Join(me);
        try { await room.Send(""hi""); }
        finally { await room.Leave(me); }                            // leaves on failure too
    }
}", Packages.Orleans);

        private const string Hub = @"
using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

public sealed class PriceChanged { public string Symbol { get; set; } }

public sealed class PriceHub
{
    private readonly List<IObserver<string>> _observers = new List<IObserver<string>>();
    public void Subscribe(IObserver<string> observer) => _observers.Add(MARK);
    public void Unsubscribe(IObserver<string> observer) => _observers.Remove(observer);
    public void Publish(string symbol) { foreach (var o in _observers) o.OnNext(symbol); }
}

public sealed class Watcher : IObserver<string>
{
    public void OnCompleted() { }
    public void OnError(Exception error) { }
    public void OnNext(string value) { }
}

public static class Setup
{
    public static void Register(IServiceCollection services) => services.AddSingleton<PriceHub>();
}
";

        [Fact]
        public Task ObserverSetOfASingletonService_SubscribedPerMessage_UnsubscribedOnlyOnSuccess_IsGrowth()
            => VerifyCollections.DiagnosticsAsync(Hub.Replace("_observers.Add(MARK)", "{|MEM002:_observers.Add(observer)|}") + @"
public sealed class PriceConsumer : IConsumer<PriceChanged>
{
    private readonly PriceHub _hub;
    public PriceConsumer(PriceHub hub) => _hub = hub;

    public async Task Consume(ConsumeContext<PriceChanged> context)
    {
        var watcher = new Watcher();
        _hub.Subscribe(watcher);
        await context.Publish(new PriceChanged { Symbol = context.Message.Symbol });   // may throw
        _hub.Unsubscribe(watcher);                                                       // skipped on failure
    }
}", Packages.Of(Packages.MassTransit, Packages.Hosting));

        [Fact]
        public Task ObserverSetOfASingletonService_UnsubscribedInFinally_IsNotFlagged()
            => VerifyCollections.DiagnosticsAsync(Hub.Replace("_observers.Add(MARK)", "_observers.Add(observer)") + @"
public sealed class PriceConsumer : IConsumer<PriceChanged>
{
    private readonly PriceHub _hub;
    public PriceConsumer(PriceHub hub) => _hub = hub;

    public async Task Consume(ConsumeContext<PriceChanged> context)
    {
        var watcher = new Watcher();
        _hub.Subscribe(watcher);
        try { await context.Publish(new PriceChanged { Symbol = context.Message.Symbol }); }
        finally { _hub.Unsubscribe(watcher); }                                           // on every path
    }
}", Packages.Of(Packages.MassTransit, Packages.Hosting));

        [Fact]
        public Task AkkaReceiveActor_HandlersRegisteredInABecomeBehavior_AreHandlers()
            => VerifyCollections.DiagnosticsAsync(@"
using System.Collections.Generic;
using System.Threading.Tasks;
using Akka.Actor;

public sealed class Start { }
public sealed class Seen { public string Id { get; set; } }

public sealed class Tracker : ReceiveActor
{
    private readonly List<string> _ids = new List<string>();
    private readonly List<string> _async = new List<string>();
    private readonly List<string> _names = new List<string>();

    public Tracker()
    {
        Receive<Start>(_ => Become(Working));
    }

    private void Working()
    {
        Receive<Seen>(m => {|MEM002:_ids.Add(m.Id)|});
        ReceiveAnyAsync(async o => { {|MEM002:_async.Add(o.ToString())|}; await Task.Yield(); });
        Receive<string>(OnName);
    }

    private void OnName(string name) => {|MEM002:_names.Add(name)|};
}", Packages.Akka);

        [Fact]
        public Task ClosedKeySets_OfStaticCollectionsInAConsumer_AreNotGrowth_MessageKeysAre()
            => VerifyCollections.DiagnosticsAsync(@"
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading.Tasks;
using MassTransit;
using Microsoft.Extensions.Configuration;

public enum Stage { Received, Routed, Done }
public sealed class Order { public string Id { get; set; } public string Region { get; set; } }

public sealed class OrderConsumer : IConsumer<Order>
{
    private static readonly string[] RoutingKeys = { ""orders.eu"", ""orders.us"" };
    private static readonly ConcurrentDictionary<string, int> PerKey = new ConcurrentDictionary<string, int>();
    private static readonly ConcurrentDictionary<Stage, int> PerStage = new ConcurrentDictionary<Stage, int>();
    private static readonly Dictionary<string, int> PerSetting = new Dictionary<string, int>();
    private static readonly ConcurrentDictionary<string, Order> PerOrder = new ConcurrentDictionary<string, Order>();
    private readonly IConfiguration _configuration;

    public OrderConsumer(IConfiguration configuration) => _configuration = configuration;

    public Task Consume(ConsumeContext<Order> context)
    {
        foreach (var key in RoutingKeys)
        {
            PerKey.AddOrUpdate(key, 1, (_, n) => n + 1);                          // a routing key set: fixed
        }

        PerStage[Stage.Received] = 1;                                                 // an enum
        PerSetting[_configuration[""Region""]] = 1;                                  // configuration
        {|MEM001:PerOrder[context.Message.Id] = context.Message|};                  // message data
        return Task.CompletedTask;
    }
}", Packages.Of(Packages.MassTransit, Packages.Hosting));
}
}
