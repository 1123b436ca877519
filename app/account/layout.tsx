export { UserLayout as default } from "@/components/shell/user-layout";
