// Applies Referee's Kafka access plan (SCRAM users and ACLs) through the Admin API of kafka-clients.
// Run by deploy/kafka.sh with Java's single-file launcher (no build step):
//   java -cp '<kafka lib>/*' deploy/kafka/KafkaAccess.java <admin client properties> <plan file>
// The plan (written by `referee infra kafka-access plan`) has one instruction per line:
//   user <name> <password-file>
//   acl <principal> <TOPIC|GROUP|CLUSTER> <LITERAL|PREFIXED> <resource name> <operation>
// Users are upserted (SCRAM-SHA-512, 8192 iterations); ACLs are created (creating an existing one is a no-op).
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.io.FileReader;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

public class KafkaAccess {
    public static void main(String[] args) throws Exception {
        Properties props = new Properties();
        try (FileReader reader = new FileReader(args[0])) {
            props.load(reader);
        }
        List<UserScramCredentialAlteration> users = new ArrayList<>();
        List<AclBinding> acls = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(args[1]))) {
            String[] f = line.trim().split(" ");
            if (f.length == 0 || f[0].isEmpty() || f[0].startsWith("#")) {
                continue;
            }
            if (f[0].equals("user")) {
                String password = Files.readString(Path.of(f[2])).trim();
                users.add(new UserScramCredentialUpsertion(
                        f[1], new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), password));
            } else if (f[0].equals("acl")) {
                ResourcePattern resource = new ResourcePattern(
                        ResourceType.valueOf(f[2]), f[4], PatternType.valueOf(f[3]));
                AccessControlEntry entry = new AccessControlEntry(
                        f[1], "*", AclOperation.valueOf(f[5]), AclPermissionType.ALLOW);
                acls.add(new AclBinding(resource, entry));
            } else {
                throw new IllegalArgumentException("unknown instruction: " + line);
            }
        }
        try (Admin admin = Admin.create(props)) {
            if (!users.isEmpty()) {
                admin.alterUserScramCredentials(users).all().get();
            }
            if (!acls.isEmpty()) {
                admin.createAcls(acls).all().get();
            }
        }
        System.out.println("kafka access: " + users.size() + " user(s), " + acls.size() + " ACL(s) applied");
    }
}
