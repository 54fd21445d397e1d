import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * `kafka.sh topics` and `kafka.sh create-topic`. Kafka's TopicCommand lives in kafka-tools, which
 * is not a dependency of kafka_2.13 and would add Kafka Connect, Jetty and Jersey (~45 jars) to
 * the classpath, so this is the small part of it we need, on Kafka's own Java Admin client.
 * Run as a single-file source program: java -cp '<lib>/*' KafkaTopics.java <bootstrap> list
 */
public class KafkaTopics {
  public static void main(String[] args) throws Exception {
    if (args.length < 2) usage();
    Properties config = new Properties();
    config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
    try (Admin admin = Admin.create(config)) {
      switch (args[1]) {
        case "list" -> admin.listTopics().names().get().stream().sorted().forEach(System.out::println);
        case "create" -> {
          if (args.length < 3) usage();
          // Empty partitions/replication mean the broker's defaults (num.partitions, 1 replica).
          Optional<Integer> partitions =
              args.length > 3 ? Optional.of(Integer.parseInt(args[3])) : Optional.empty();
          NewTopic topic = new NewTopic(args[2], partitions, Optional.empty());
          try {
            admin.createTopics(List.of(topic)).all().get();
            System.out.println("created topic " + args[2]);
          } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) throw e;
            System.out.println("topic " + args[2] + " already exists");
          }
        }
        default -> usage();
      }
    }
  }

  private static void usage() {
    System.err.println("usage: KafkaTopics <bootstrap> list | create <topic> [partitions]");
    System.exit(2);
  }
}
